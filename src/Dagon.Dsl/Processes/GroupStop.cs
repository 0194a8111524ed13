namespace Dagon.Processes;

/// <summary>
/// The one rule for stopping a program's process group, on this machine (<see cref="ProcessGuard"/>) and on SSH
/// hosts alike, whether the program was cancelled, lost its engine, or ended by itself and left children behind:
/// TERM to the group, so that its members can clean up after themselves, then KILL to whatever is still there after
/// <see cref="Grace"/>. A group that is already empty costs one <c>kill</c> builtin and no process start.
/// Only the group: a child that made a session of its own (<c>setsid</c>) has left it, and no signal by group or
/// session reaches it. Apptainer's FUSE mounters (<c>squashfuse_ll</c>, <c>fuse2fs</c>, <c>fuse-overlayfs</c>) each
/// run in a group of their own too, and <c>apptainer exec</c> ends them itself before it returns, so the rule never
/// takes a mount from under a container; an <c>apptainer instance start</c> makes the instance a session of its own,
/// so an instance a program starts is left to it as well.
/// </summary>
public static class GroupStop
{
    /// <summary>How long a group has between TERM and KILL.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    private const int PollMilliseconds = 200;

    /// <summary>
    /// A POSIX shell function, <c>stop_group PGID</c>, to define once at the top of a script: TERM to the group, polls
    /// every 0.2 s until it is empty, KILL after <see cref="Grace"/>; always returns 0. No <c>--</c> after the signal:
    /// dash, /bin/sh on Debian, rejects it.
    /// </summary>
    public static readonly string Function =
        "stop_group() { kill -TERM -\"$1\" 2>/dev/null || return 0; i=0; " +
        $"while [ $i -lt {(int)(Grace.TotalMilliseconds / PollMilliseconds)} ]; do kill -0 -\"$1\" 2>/dev/null || return 0; sleep 0.2; i=$((i+1)); done; " +
        "kill -KILL -\"$1\" 2>/dev/null; return 0; }; ";
}
