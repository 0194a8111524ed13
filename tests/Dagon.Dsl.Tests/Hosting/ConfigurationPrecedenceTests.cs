using Dagon.CommandLine;
using Dagon.Hosting;

namespace Dagon.Dsl.Tests.Hosting;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Environment variables";
}

/// <summary>The command line over DAGON_* variables over dagon.ini, and DagOnStar's keys read from dagon.ini.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class ConfigurationPrecedenceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dagon-config-tests-").FullName;

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("DAGON_dagon__tmp_dir", null);
        Directory.Delete(_folder, recursive: true);
    }

    private string Ini(string text)
    {
        var path = Path.Combine(_folder, "dagon.ini");
        File.WriteAllText(path, text);
        return path;
    }

    private static string? Setting(string key, params string[] args)
    {
        var request = new DagonCommandLine().Parse(args);
        Assert.Equal(RequestKind.Run, request.Kind);
        return DagonHost.CreateBuilder([.. request.ConfigurationArguments]).Configuration[key];
    }

    [Fact]
    public void CommandLineBeatsEnvironmentBeatsIni()
    {
        var ini = Ini("[dagon]\ntmp_dir = /from/ini\n");
        Assert.Equal("/from/ini", Setting("dagon:tmp_dir", "--config", ini));

        Environment.SetEnvironmentVariable("DAGON_dagon__tmp_dir", "/from/env");
        Assert.Equal("/from/env", Setting("dagon:tmp_dir", "--config", ini));
        Assert.Equal("/from/cli", Setting("dagon:tmp_dir", "--config", ini, "--tmp-dir", "/from/cli"));
    }

    [Fact]
    public void DagOnStarBatchKeysAreReadAsAliases()
    {
        var ini = Ini("[batch]\nscratch_dir_base = /scratch/dagon\nremove_dir = False\n[slurm]\npartition = short\n");

        Assert.Equal("/scratch/dagon", Setting("dagon:tmp_dir", "--config", ini));
        Assert.Equal("False", Setting("dagon:remove", "--config", ini));
        Assert.Equal("short", Setting("slurm:partition", "--config", ini));
        Assert.Equal("long", Setting("slurm:partition", "--config", ini, "--partition", "long"));
    }

    [Fact]
    public void OwnKeyInTheSameFileBeatsTheAliasAndTheCommandLineBeatsBoth()
    {
        var ini = Ini("[batch]\nscratch_dir_base = /old\n[dagon]\ntmp_dir = /new\n");

        Assert.Equal("/new", Setting("dagon:tmp_dir", "--config", ini));
        Assert.Equal("/cli", Setting("dagon:tmp_dir", "--config", ini, "--tmp-dir", "/cli"));
    }
}
