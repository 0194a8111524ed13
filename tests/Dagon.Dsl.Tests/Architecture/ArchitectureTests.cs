using ArchUnitNET.Domain;
using ArchUnitNET.Fluent;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using Dagon.Running;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace Dagon.Dsl.Tests.Architecture;

/// <summary>
/// The runtime's arrows point one way (docs/architecture.md draws them). Each part is a namespace; these rules fail
/// the build when a part reaches one it must not see.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly ArchUnitNET.Domain.Architecture Runtime =
        new ArchLoader().LoadAssemblies(typeof(WorkflowRunner).Assembly).Build();

    /// <summary>Every part of the runtime, as the namespace regular expression that holds it.</summary>
    public static readonly TheoryData<string> Parts = new()
    {
        "Model", "Rules", "Scheduling", "Processes", "Concurrency", "LocalFiles", "Places", "Places.Local", "Places.Ssh",
        "Launching", "Launching.Slurm", "Containers", "Images", "Staging", "Execution", "Observing", "Journal", "Running", "Reporting", "Hosting", "CommandLine",
    };

    private static IObjectProvider<IType> Part(string part) =>
        Types().That().ResideInNamespaceMatching($@"^Dagon\.{part.Replace(".", @"\.")}$").As($"Dagon.{part}");

    private static IObjectProvider<IType> Parts_(params string[] parts) =>
        Types().That().ResideInNamespaceMatching($@"^Dagon\.({string.Join('|', parts.Select(p => p.Replace(".", @"\.")))})$")
            .As(string.Join(", ", parts.Select(p => $"Dagon.{p}")));

    [Theory]
    [MemberData(nameof(Parts))]
    public void EveryPartHasTypesSoNoRuleHoldsVacuously(string part) =>
        Assert.Contains(Runtime.Types, type => type.Namespace.FullName == $"Dagon.{part}");

    [Fact]
    public void ModelImportsNothingOfTheRuntimesOtherParts() =>
        Types().That().Are(Part("Model")).Should().NotDependOnAny(Parts_(
                "Scheduling", "Processes", "Concurrency", "LocalFiles", "Places", "Places.Local", "Places.Ssh", "Launching",
                "Launching.Slurm", "Containers", "Images", "Staging", "Execution", "Observing", "Running", "Reporting", "Hosting", "CommandLine"))
            .Check(Runtime);

    [Fact]
    public void NoPlaceImportsAnotherPlace()
    {
        Types().That().Are(Part("Places.Local")).Should().NotDependOnAny(Part("Places.Ssh")).Check(Runtime);
        Types().That().Are(Part("Places.Ssh")).Should().NotDependOnAny(Part("Places.Local")).Check(Runtime);
    }

    [Fact]
    public void PlacesKnowNothingOfWhatRunsOnThem() =>
        Types().That().Are(Parts_("Places", "Places.Local", "Places.Ssh")).Should().NotDependOnAny(Parts_(
                "Scheduling", "Launching", "Launching.Slurm", "Containers", "Images", "Staging", "Execution", "Running", "Reporting", "Hosting"))
            .Check(Runtime);

    [Fact]
    public void StagingImportsNoPlacesInternals() =>
        Types().That().Are(Part("Staging")).Should().NotDependOnAny(Parts_("Places.Local", "Places.Ssh")).Check(Runtime);

    [Fact]
    public void LaunchersAndImagesWorkOnAnyPlace() =>
        Types().That().Are(Parts_("Launching", "Launching.Slurm", "Images", "Containers")).Should().NotDependOnAny(Parts_("Places.Local", "Places.Ssh"))
            .Check(Runtime);

    [Fact]
    public void WhatRunsIsIndependentOfWhereAndHow() =>
        Types().That().Are(Part("Containers")).Should().NotDependOnAny(Parts_("Places", "Launching", "Launching.Slurm", "Images", "Staging", "Execution"))
            .Check(Runtime);

    [Fact]
    public void TheSlurmLauncherSeesNoExecutionOrContainers() =>
        Types().That().Are(Part("Launching.Slurm")).Should().NotDependOnAny(Parts_("Execution", "Containers", "Images"))
            .Check(Runtime);

    [Fact]
    public void OnlyTheRunnerAndHostingUseTheJournal() =>
        Types().That().DoNotResideInNamespaceMatching(@"^Dagon\.(Journal|Running|Hosting)$").Should().NotDependOnAny(Part("Journal"))
            .Check(Runtime);

    [Fact]
    public void TheJournalSeesNoPlacesInternals() =>
        Types().That().Are(Part("Journal")).Should().NotDependOnAny(Parts_("Places.Local", "Places.Ssh", "Reporting")).Check(Runtime);

    [Fact]
    public void NothingBelowHostingImportsHosting() =>
        Types().That().DoNotResideInNamespaceMatching(@"^Dagon\.Hosting$").Should().NotDependOnAny(Part("Hosting")).Check(Runtime);

    [Fact]
    public void OnlyHostingImportsTheCommandLine() =>
        Types().That().DoNotResideInNamespaceMatching(@"^Dagon\.(Hosting|CommandLine)$").Should().NotDependOnAny(Part("CommandLine"))
            .Check(Runtime);

    [Fact]
    public void TheCommandLineParsesAndNeverRuns() =>
        Types().That().Are(Part("CommandLine")).Should().NotDependOnAny(Parts_(
                "Hosting", "Running", "Execution", "Launching", "Places", "Places.Local", "Places.Ssh", "Images", "Staging"))
            .Check(Runtime);

    [Fact]
    public void ExecutionSitsBelowTheRunnerAndItsReports() =>
        Types().That().Are(Parts_("Execution", "Staging", "Images", "Launching", "Launching.Slurm", "Scheduling"))
            .Should().NotDependOnAny(Parts_("Observing", "Running", "Reporting", "Hosting")).Check(Runtime);

    [Fact]
    public void ObserversSeeTheRunButNotTheRunnerOrItsReports() =>
        Types().That().Are(Part("Observing")).Should().NotDependOnAny(Parts_("Running", "Reporting", "Hosting", "CommandLine"))
            .Check(Runtime);

    [Fact]
    public void ReportsKnowNothingOfTheRunnerOrTheHost() =>
        Types().That().Are(Part("Reporting")).Should().NotDependOnAny(Parts_("Running", "Hosting")).Check(Runtime);
}
