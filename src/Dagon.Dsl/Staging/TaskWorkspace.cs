namespace Dagon.Staging;

/// <summary>
/// Where a task's files live on the machine that runs it: <see cref="WorkDir"/> is the command's working directory
/// (what <c>workflow:///Task/path</c> is relative to); logs and the overlay sit beside it so they never mix with outputs.
/// </summary>
public sealed record TaskWorkspace(string Root)
{
    /// <summary>The command's current directory, mounted into the container.</summary>
    public string WorkDir => Combine("work");

    public string StdoutPath => Combine("stdout.log");

    public string StderrPath => Combine("stderr.log");

    public string OverlayPath => Combine("overlay.img");

    /// <summary>The run's folder on the place, which holds every task folder of the run there.</summary>
    public string RunDirectory => Root.TrimEnd('/')[..Root.TrimEnd('/').LastIndexOf('/')];

    // Remote workspaces are POSIX paths whatever this machine is, so do not use Path.Combine.
    private string Combine(string name) => Root.TrimEnd('/') + "/" + name;
}
