using Dagon.Rules;

namespace Dagon.Dsl.Tests.Rules;

public class DagTests
{
    [Fact]
    public void AcyclicGraphIsOrderedAfterItsDependenciesAndHasNoCycles()
    {
        // 0 <- 1, 0 <- 2, {1, 2} <- 3, declared out of order.
        var dag = new Dag([[1, 2], [3], [3], []]);
        var order = dag.TopologicalOrder();
        Assert.NotNull(order);
        var position = new int[order.Length];
        for (var i = 0; i < order.Length; i++) position[order[i]] = i;
        for (var node = 0; node < dag.Count; node++)
        {
            Assert.All(dag.Dependencies[node], dependency => Assert.True(position[dependency] < position[node]));
        }

        Assert.Empty(dag.FindCycles());
        Assert.Empty(dag.DistinctCycles());
    }

    [Fact]
    public void DependentsAreTheReversedEdgesInIndexOrder()
    {
        var dag = new Dag([[], [0], [0], [1, 2]]);
        Assert.Equal([[1, 2], [3], [3], []], dag.Dependents);
    }

    [Fact]
    public void CycleBetweenTwoNodesIsReportedFromBothInRunOrder()
    {
        var dag = new Dag([[1], [0], [1]]); // 2 runs after the cycle but is not on it
        Assert.Null(dag.TopologicalOrder());
        Assert.Equal([[0, 1, 0], [1, 0, 1]], dag.FindCycles());
        Assert.Equal([[0, 1, 0]], dag.DistinctCycles());
    }

    [Fact]
    public void SelfLoopIsACycleOfOneNode()
    {
        var dag = new Dag([[], [1, 0]]);
        Assert.Null(dag.TopologicalOrder());
        Assert.Equal([[1, 1]], dag.FindCycles());
    }

    [Fact]
    public void CycleIsListedInRunOrder()
    {
        // 1 runs after 0, 2 after 1, 0 after 2.
        var dag = new Dag([[2], [0], [1]]);
        Assert.Equal([[0, 1, 2, 0], [1, 2, 0, 1], [2, 0, 1, 2]], dag.FindCycles());
    }

    [Fact]
    public void ShortestCycleThroughANodeIsReported()
    {
        // 0 -> 1 -> 0 and 0 -> 2 -> 3 -> 0 in run order: through 0 the two-node cycle is the shortest.
        var dag = new Dag([[1, 3], [0], [0], [2]]);
        var cycles = dag.FindCycles();
        Assert.Equal([0, 1, 0], cycles[0]);
        Assert.Equal([1, 0, 1], cycles[1]);
        Assert.Equal([2, 3, 0, 2], cycles[2]);
        Assert.Equal([3, 0, 2, 3], cycles[3]);
    }

    [Fact]
    public void DistinctCyclesKeepsEachCycleOnceStartingAtItsLowestNode()
    {
        // Two separate cycles, 1 -> 3 -> 1 and 0 -> 2 -> 4 -> 0, and a node 5 between them.
        var dag = new Dag([[4], [3], [0], [1, 5], [2], [0]]);
        Assert.Equal(5, dag.FindCycles().Count);
        Assert.Equal([[0, 2, 4, 0], [1, 3, 1]], dag.DistinctCycles());
    }

    [Fact]
    public void ChainOfAMillionNodesIsOrderedWithoutOverflowingTheStack()
    {
        const int count = 1_000_000;
        var dependencies = new int[count][];
        dependencies[0] = [];
        for (var i = 1; i < count; i++) dependencies[i] = [i - 1];
        var dag = new Dag(dependencies);

        Assert.Equal(Enumerable.Range(0, count), dag.TopologicalOrder()!);
        Assert.Empty(dag.FindCycles());
    }

    [Fact]
    public void ChainOfAMillionNodesAfterACycleReportsOnlyTheCycle()
    {
        // 0 <-> 1, then a million-node tail that can never run: the search must not walk the tail from every node.
        const int count = 1_000_000;
        var dependencies = new int[count][];
        dependencies[0] = [1];
        dependencies[1] = [0];
        for (var i = 2; i < count; i++) dependencies[i] = [i - 1];
        var dag = new Dag(dependencies);

        Assert.Equal([[0, 1, 0], [1, 0, 1]], dag.FindCycles());
    }
}
