namespace Dagon.Staging;

/// <summary>
/// Where a task's files live on the machine that runs it: <see cref="WorkDir"/> is the command's working directory
/// (what <c>workflow:///Task/path</c> is relative to); logs and the overlay sit beside it so they never mix with outputs.
/// </summary>
public sealed record TaskWorkspace(string Root, string? Host = null)
{
    /// <summary>The command's current directory, mounted into the container.</summary>
    public string WorkDir => Combine("work");

    public string StdoutPath => Combine("stdout.log");

    public string StderrPath => Combine("stderr.log");

    public string OverlayPath => Combine("overlay.img");

    /// <summary>True when the workspace is on this machine.</summary>
    public bool IsLocal => Host is null;

    // Remote workspaces are POSIX paths whatever this machine is, so do not use Path.Combine.
    private string Combine(string name) => Root.TrimEnd('/') + "/" + name;
}
