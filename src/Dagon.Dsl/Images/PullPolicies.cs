using Dagon.Model;

namespace Dagon.Images;

/// <summary>Which pull policy an image gets when its tasks, their workflow and the run each may say one.</summary>
public static class PullPolicies
{
    /// <summary>The task's (which carries its workflow's), else the run's; never <see cref="PullPolicy.Unset"/>.</summary>
    public static PullPolicy Effective(PullPolicy task, PullPolicy run) =>
        task != PullPolicy.Unset ? task : run != PullPolicy.Unset ? run : PullPolicy.Missing;

    /// <summary>
    /// One image on one place is made ready once, for every task that uses it, so their policies are combined: the
    /// strictest wins (always, then missing, then never). A task that asks for a fresh image gets it, and a task
    /// content with the cached one runs on the fresh one too rather than on a second copy.
    /// </summary>
    public static PullPolicy Strictest(IEnumerable<PullPolicy> policies) =>
        policies.Select(p => p == PullPolicy.Unset ? PullPolicy.Missing : p).DefaultIfEmpty(PullPolicy.Missing).MaxBy(Rank);

    /// <summary>The policy one image gets on one place from the tasks that use it there and the run's <c>[apptainer] pull</c>.</summary>
    public static PullPolicy ForImage(IEnumerable<PullPolicy> tasks, PullPolicy run) => Strictest(tasks.Select(task => Effective(task, run)));

    private static int Rank(PullPolicy policy) => policy switch
    {
        PullPolicy.Always => 3,
        PullPolicy.Missing => 2,
        _ => 1,
    };
}
