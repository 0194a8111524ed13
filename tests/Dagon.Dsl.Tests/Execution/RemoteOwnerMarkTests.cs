using System.Diagnostics;
using Dagon.Execution;
using Dagon.LocalFiles;

namespace Dagon.Dsl.Tests.Execution;

/// <summary>Which owner marks found in a host's run folders count as a dead engine of this machine.</summary>
public sealed class RemoteOwnerMarkTests
{
    private static int DeadProcess()
    {
        using var process = Process.Start("true")!;
        process.WaitForExit();
        return process.Id;
    }

    [Fact]
    public void AMarkOfThisMachineWhoseProcessIsGoneIsDead()
    {
        var pid = DeadProcess();

        Assert.Equal(pid, AbandonedRemoteRuns.DeadOwner($"{MachineId.Current} {pid} 7")?.Pid);
    }

    [Fact]
    public void TheMarkThisEngineWritesIsAlive() => Assert.Null(AbandonedRemoteRuns.DeadOwner(AbandonedRemoteRuns.Mark));

    [Fact]
    public void AnotherProcessWithTheSameIdDoesNotKeepAMarkAlive() =>
        Assert.NotNull(AbandonedRemoteRuns.DeadOwner($"{MachineId.Current} {Environment.ProcessId} 1"));

    [Theory]
    [InlineData("another-machine 1 1")]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("12 34")]
    public void AMarkOfAnotherMachineOrNoMarkIsNeverJudged(string mark) => Assert.Null(AbandonedRemoteRuns.DeadOwner(mark));
}
