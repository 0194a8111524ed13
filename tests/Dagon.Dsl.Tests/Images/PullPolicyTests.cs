using Dagon.Images;
using Dagon.Model;

namespace Dagon.Dsl.Tests.Images;

/// <summary>Which pull policy an image gets from its tasks, their workflow and the run.</summary>
public class PullPolicyTests
{
    [Theory]
    [InlineData(PullPolicy.Unset, PullPolicy.Always, PullPolicy.Always)]
    [InlineData(PullPolicy.Never, PullPolicy.Always, PullPolicy.Never)]
    [InlineData(PullPolicy.Always, PullPolicy.Never, PullPolicy.Always)]
    [InlineData(PullPolicy.Unset, PullPolicy.Unset, PullPolicy.Missing)]
    public void TheTasksPolicyOverridesTheRuns(PullPolicy task, PullPolicy run, PullPolicy expected) =>
        Assert.Equal(expected, PullPolicies.Effective(task, run));

    [Theory]
    [InlineData(new[] { PullPolicy.Never, PullPolicy.Missing }, PullPolicy.Missing)]
    [InlineData(new[] { PullPolicy.Missing, PullPolicy.Always, PullPolicy.Never }, PullPolicy.Always)]
    [InlineData(new[] { PullPolicy.Never, PullPolicy.Never }, PullPolicy.Never)]
    [InlineData(new[] { PullPolicy.Never, PullPolicy.Unset }, PullPolicy.Missing)]
    public void TasksSharingAnImageGetTheStrictestPolicy(PullPolicy[] policies, PullPolicy expected) =>
        Assert.Equal(expected, PullPolicies.Strictest(policies));

    [Fact]
    public void TheWorkflowsPolicyReachesContainerTasksThatSayNone()
    {
        var workflow = Workflow.Create("pull").DefaultImage("docker://alpine:3").Pull(PullPolicy.Never)
            .Task("Inherits", "true")
            .Task("Own", t => t.Command("true").Pull(PullPolicy.Always))
            .Task("Batch", t => t.Command("true").Batch())
            .Build();

        Assert.Equal(PullPolicy.Never, workflow["Inherits"].Pull);
        Assert.Equal(PullPolicy.Always, workflow["Own"].Pull);
        Assert.Equal(PullPolicy.Unset, workflow["Batch"].Pull);
    }

    [Fact]
    public void PullOnABatchTaskAndAnUnknownPolicyAreRefused()
    {
        var errors = Assert.Throws<WorkflowValidationException>(() => Workflow.Create("pull").DefaultImage("docker://alpine:3")
            .Task("Batch", t => t.Command("true").Batch().Pull(PullPolicy.Always))
            .Task("Odd", t => t.Command("true").Pull((PullPolicy)9))
            .Build()).Errors;

        Assert.Contains(errors, e => e.Contains("'Batch' is a batch task", StringComparison.Ordinal) && e.Contains("Pull", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'Odd' has an unknown pull policy (9)", StringComparison.Ordinal));
    }
}
