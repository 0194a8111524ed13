namespace Dagon;

/// <summary>
/// Declares a batch task of the enclosing <see cref="WorkflowAttribute"/> class: a shell command run on the host,
/// without a container (the runtime's <see cref="Model.TaskKind.Batch"/>). It takes no image, bind paths or overlay;
/// otherwise it is a task like any other: <c>workflow:///Task/path</c> references in a constant command are checked
/// and turned into edges at compile time, and it may depend on, and be depended on by, <see cref="ApptainerTaskAttribute"/>
/// tasks of the same workflow.
/// </summary>
/// <remarks>
/// Properties left unset keep the runtime's defaults: <see cref="TimeoutSeconds"/> is unset at 0 and
/// <see cref="Remove"/> follows the workflow unless assigned. A class may carry this attribute or
/// <see cref="ApptainerTaskAttribute"/>, not both.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class BatchTaskAttribute : Attribute
{
    /// <summary>The shell command; a task class may instead declare <c>static string BuildCommand()</c> computed at run time.</summary>
    public string? Command { get; set; }

    /// <summary>The task's name in the workflow (default: the class name).</summary>
    public string? Name { get; set; }

    public string? TmpDir { get; set; }

    /// <summary>Whether the work directory is deleted after the run.</summary>
    public bool Remove { get; set; } = true;

    /// <summary>Host profile from the configuration to run the task on, instead of this machine.</summary>
    public string? Host { get; set; }

    /// <summary>Time limit in seconds; must be positive when set.</summary>
    public int TimeoutSeconds { get; set; }

    /// <summary>Files the task leaves in its work folder, relative paths or globs (<c>output/f1.txt</c>, <c>results/*.csv</c>); a missing one fails the task.</summary>
    public string[]? Outputs { get; set; }

    /// <summary>Folder the declared outputs are copied to after the task succeeds.</summary>
    public string? Publish { get; set; }

    /// <summary>How many times a failed task is run again; unset (0) follows the run's <c>retries</c>.</summary>
    public int Retries { get; set; }

    /// <summary>Exit codes that are retried; unset retries any failure.</summary>
    public int[]? RetryOnExitCodes { get; set; }
}
