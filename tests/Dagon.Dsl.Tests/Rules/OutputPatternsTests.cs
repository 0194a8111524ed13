using Dagon.Rules;

namespace Dagon.Dsl.Tests.Rules;

public class OutputPatternsTests
{
    [Theory]
    [InlineData("output/f1.txt", "output/f1.txt", true)]
    [InlineData("./output/f1.txt", "output/f1.txt", true)]
    [InlineData("output/f1.txt", "output/f2.txt", false)]
    [InlineData("results/*.csv", "results/a.csv", true)]
    [InlineData("results/*.csv", "results/deeper/a.csv", false)]
    [InlineData("results/**/*.csv", "results/deeper/a.csv", true)]
    [InlineData("results/**/*.csv", "results/a.csv", true)]
    [InlineData("f?.txt", "f3.txt", true)]
    [InlineData("f?.txt", "f10.txt", false)]
    [InlineData("output", "output/f1.txt", true)]
    [InlineData("*.txt", "output/f1.txt", false)]
    public void AFileIsContainedInADeclarationByExactPathGlobOrDeclaredFolder(string pattern, string path, bool contained) =>
        Assert.Equal(contained, OutputPatterns.Contains(pattern, path));

    [Theory]
    [InlineData("results/*.csv", "results", true)]
    [InlineData("output/f1.txt", "output", true)]
    [InlineData("output/f1.txt", "out", false)]
    [InlineData("results/*.csv", "results/a.txt", false)]
    public void AReferenceToAFolderHoldingDeclaredOutputsIsCovered(string pattern, string reference, bool covered) =>
        Assert.Equal(covered, OutputPatterns.Covers(pattern, reference));

    [Theory]
    [InlineData("results/*.csv", "results")]
    [InlineData("*.csv", ".")]
    [InlineData("a/b/f.txt", "a/b/f.txt")]
    [InlineData("a/**/x", "a")]
    public void AListingStartsBeforeTheFirstGlob(string pattern, string root) => Assert.Equal(root, OutputPatterns.ListingRoot(pattern));

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../elsewhere.txt")]
    [InlineData("a/../../b")]
    [InlineData("")]
    public void OutputsOutsideTheWorkFolderAreRefused(string pattern) => Assert.NotNull(OutputPatterns.Problem(pattern));
}
