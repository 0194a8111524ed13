using Dagon.Dsl.Testing;
using Dagon.CommandLine;
using Dagon.Containers;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;

namespace Dagon.Dsl.Tests.CommandLine;

public sealed class CommandLineParsingTests
{
    private static CommandLineRequest Parse(params string[] args) => new DagonCommandLine().Parse(args);

    [Fact]
    public void MistypedSwitchIsAnErrorNamingTheClosestSwitch()
    {
        var request = Parse("--tmp-dri", "/x");

        Assert.Equal(RequestKind.Invalid, request.Kind);
        Assert.Equal(["unknown switch '--tmp-dri': did you mean --tmp-dir?"], request.Errors);
    }

    [Fact]
    public void SwitchLikeNothingKnownIsAnErrorWithoutAGuess()
    {
        var request = Parse("--zzzzzzzzzzzz");

        Assert.Equal(["unknown switch '--zzzzzzzzzzzz' (see --help)"], request.Errors);
    }

    [Theory]
    [InlineData("-3", "'-3' is not a whole number of 0 or more")]
    [InlineData("lots", "'lots' is not a whole number of 0 or more")]
    public void NegativeOrNonNumericParallelismIsInvalid(string value, string message)
    {
        var request = Parse("-j", value);

        Assert.Equal(RequestKind.Invalid, request.Kind);
        Assert.Contains(request.Errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--overlay", "Sometimes", "is not one of Image, WritableTmpfs, None")]
    [InlineData("--remove", "maybe", "is neither true nor false")]
    [InlineData("--progress", "fancy", "is not one of plain, rich, none")]
    [InlineData("--plan", "svg", "--plan: 'svg' is not one of text, mermaid, dot")]
    public void ValuesOutsideTheirSetAreInvalid(string name, string value, string message)
    {
        var request = Parse(name, value);

        Assert.Equal(RequestKind.Invalid, request.Kind);
        Assert.Contains(request.Errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void StrayArgumentIsInvalid() =>
        Assert.Equal(["unexpected argument 'A': every value follows its switch (see --help)"], Parse("A").Errors);

    [Fact]
    public void SettingSwitchesBecomeConfigurationKeys()
    {
        var request = Parse("-j", "4", "--tmp-dir", "/scratch", "--refresh-images", "--scheduler", "slurm", "--report", "r.html",
            "--trace", "t.json", "--progress", "none", "--otlp", "http://127.0.0.1:4317", "--partition", "short", "--config", "my.ini");

        Assert.Equal(RequestKind.Run, request.Kind);
        Assert.Equal(
            ["--config=my.ini", "--dagon:max_parallelism=4", "--dagon:tmp_dir=/scratch", "--apptainer:pull=always", "--dagon:scheduler=slurm",
             "--slurm:partition=short", "--dagon:progress=none", "--dagon:report=r.html", "--dagon:trace=t.json", "--dagon:otlp=http://127.0.0.1:4317"],
            request.ConfigurationArguments);
    }

    [Fact]
    public void ResumeAndItsCompanionsBecomeDagonKeys()
    {
        var request = Parse("--resume", "--state-dir", "/runs/state", "--publish-dir", "results", "--retries", "2", "--retry-on", "timeout,out-of-memory");

        Assert.Equal(RequestKind.Run, request.Kind);
        Assert.Equal(["--dagon:resume=true", "--dagon:state_dir=/runs/state", "--dagon:publish_dir=results", "--dagon:retries=2",
                "--dagon:retry_on=timeout,out-of-memory"],
            request.ConfigurationArguments);
    }

    [Fact]
    public void CleanRunsNothing()
    {
        var request = Parse("--clean", "--state-dir", "/runs/state");

        Assert.True(request.Clean);
        Assert.False(request.Runs);
        Assert.Equal(["--dagon:state_dir=/runs/state"], request.ConfigurationArguments);
    }

    [Fact]
    public void CleanSwitchIsCleanAll() => Assert.Equal(new StateRequest(StateCommandKind.Clean, All: true), Parse("--clean").State);

    [Theory]
    [InlineData(new[] { "clean", "--before", "abc-1" }, "abc-1", null, false)]
    [InlineData(new[] { "clean", "--keep-last", "3" }, null, 3, false)]
    [InlineData(new[] { "clean", "--all" }, null, null, true)]
    public void CleanCommandNamesWhatToRemoveAndRunsNothing(string[] args, string? before, int? keep, bool all)
    {
        var request = Parse([.. args, "--state-dir", "/runs/state"]);

        Assert.Equal(RequestKind.Run, request.Kind);
        Assert.Equal(new StateRequest(StateCommandKind.Clean, before, keep, all), request.State);
        Assert.False(request.Runs);
        Assert.Equal(["--dagon:state_dir=/runs/state"], request.ConfigurationArguments);
    }

    [Fact]
    public void RunsCommandListsAndRunsNothing()
    {
        var request = Parse("runs", "--config", "site.ini");

        Assert.Equal(new StateRequest(StateCommandKind.Runs), request.State);
        Assert.False(request.Runs);
        Assert.Equal(["--config=site.ini"], request.ConfigurationArguments);
    }

    [Theory]
    [InlineData(new[] { "clean" }, "clean: name what to remove with exactly one of --before RUN, --keep-last N or --all")]
    [InlineData(new[] { "clean", "--all", "--keep-last", "2" }, "clean: name what to remove with exactly one of")]
    [InlineData(new[] { "clean", "--keep-last", "-1" }, "--keep-last N: '-1' is not a whole number of 0 or more")]
    [InlineData(new[] { "clean", "--target", "A" }, "unknown switch '--target'")]
    public void CleanWithoutExactlyOneScopeIsAUsageError(string[] args, string message)
    {
        var request = Parse(args);

        Assert.Equal(RequestKind.Invalid, request.Kind);
        Assert.Contains(request.Errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void AnyDagonIniKeyCanStillBeGivenAsSectionColonKey()
    {
        var request = Parse("--apptainer:silent", "false", "--dagon:json=run.json", "--skip", "D");

        Assert.Equal(RequestKind.Run, request.Kind);
        Assert.Equal(["--apptainer:silent=false", "--dagon:json=run.json"], request.ConfigurationArguments);
        Assert.Equal(["D"], request.Selection.Skip);
    }

    [Fact]
    public void SelectionSwitchesRepeatAndTakeCommaSeparatedNames()
    {
        var request = Parse("--target", "B,C", "--until", "D", "--from", "A", "--skip", "X", "--skip", "Y");

        Assert.Equal(["B", "C", "D"], request.Selection.Targets);
        Assert.Equal(["A"], request.Selection.From);
        Assert.Equal(["X", "Y"], request.Selection.Skip);
    }

    [Theory]
    [InlineData(new[] { "--plan" }, PlanFormat.Text, false)]
    [InlineData(new[] { "--plan", "mermaid" }, PlanFormat.Mermaid, false)]
    [InlineData(new[] { "--plan", "dot", "--run" }, PlanFormat.Dot, true)]
    public void PlanAloneDrawsAndStopsAndWithRunAlsoRuns(string[] args, PlanFormat format, bool runs)
    {
        var request = Parse(args);

        Assert.Equal(format, request.Plan);
        Assert.Equal(runs, request.Runs);
    }

    [Fact]
    public void NoSwitchesMeansRunEverything()
    {
        var request = Parse();

        Assert.True(request.Runs);
        Assert.True(request.Selection.IsEverything);
        Assert.Null(request.Plan);
        Assert.Empty(request.ConfigurationArguments);
    }

    [Fact]
    public void HelpWinsOverEverythingElseAndVersionIsItsOwnRequest()
    {
        Assert.Equal(RequestKind.Help, Parse("--tmp-dri", "/x", "--help").Kind);
        Assert.Equal(RequestKind.Help, Parse("-h").Kind);
        Assert.Equal(RequestKind.Version, Parse("--version").Kind);
    }

    [Fact]
    public void SwitchesTheHostMapsAreAcceptedEvenWhenTheTableLacksThem()
    {
        var commandLine = new DagonCommandLine(new Dictionary<string, string> { ["--isolation"] = "apptainer:isolation", ["--image"] = "dagon:image" });

        var request = commandLine.Parse(["--isolation", "full"]);

        Assert.Equal(["--apptainer:isolation=full"], request.ConfigurationArguments);
        Assert.Single(commandLine.Switches, s => s.Name == "--image");
    }

    [Fact]
    public void HelpListsEverySwitchWithKeyAndDefaultTheTasksAndExitCodes()
    {
        var workflow = Workflow.Create("DataFlow").DefaultImage("docker://busybox")
            .Task("A", "hostname > f1.txt")
            .Task("B", "cat workflow:///A/f1.txt")
            .BatchTask("Report", "cat workflow:///B/f1.txt")
            .Build();

        Snapshot.Match(HelpText.Format("dataflow", new DagonCommandLine(), [workflow]), "Help");
    }

    [Fact]
    public void DefaultsInHelpAreTheOptionsRealDefaults()
    {
        var dagon = new DagonOptions();
        var apptainer = new ApptainerOptions();
        string Default(string name) => SettingSwitches.All.Single(s => s.Name == name).Default;

        Assert.StartsWith(dagon.MaxParallelism.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ", Default("--parallelism"));
        Assert.Equal(apptainer.Executable, Default("--apptainer"));
        Assert.Null(dagon.TmpDir);
        Assert.Null(dagon.Remove);
        Assert.Null(dagon.RetryOn);
        Assert.Equal("any failure", Default("--retry-on"));
        Assert.Contains(new TaskDefinition { Name = "x", Command = "x" }.Overlay.ToString(), Default("--overlay"), StringComparison.Ordinal);
    }
}
