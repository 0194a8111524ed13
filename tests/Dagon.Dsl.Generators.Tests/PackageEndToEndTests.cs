using System.Diagnostics;
using System.Text;

namespace Dagon.Dsl.Generators.Tests;

/// <summary>
/// Packs Dagon.Dsl, uses it from a fresh project the way a user would (one PackageReference), and checks that the
/// analyzers fail the build at the right place, that the generator's entry points work, and that the workflow runs.
/// </summary>
public class PackageEndToEndTests
{
    private const string Broken = "Produse";

    private static string WorkflowSource(string producer) => $$"""
        using Dagon;

        namespace EndToEnd;

        [Workflow("end-to-end", DefaultImage = "rootfs")]
        public partial class EndToEndFlow
        {
            [ApptainerTask(Command = "mkdir -p out && echo hello-from-produce > out/a.txt")]
            public partial class Produce;

            [ApptainerTask(Command = "cat workflow:///{{producer}}/out/a.txt && echo consumed-by-consume")]
            public partial class Consume;
        }
        """;

    [Fact]
    public void PackedPackageReportsBrokenReferenceThenBuildsAndRunsTheFixedWorkflow()
    {
        var apptainer = Run("apptainer", "--version", Path.GetTempPath(), TimeSpan.FromSeconds(30), throwIfMissing: false);
        Assert.True(apptainer.ExitCode == 0,
            "This test runs a real workflow and needs Apptainer on PATH (scripts/setup-apptainer.sh installs it): " + apptainer.Output);

        var repository = FindRepository();
        string? version = null;
        // Not CreateTempSubdirectory: its owner-only mode hides the sandbox image from Apptainer's starter.
        var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "dagon-e2e-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        try
        {
            var feed = Path.Combine(root, "feed");
            version = "0.1.0-e2e." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
            var pack = Run("dotnet", $"pack \"{Path.Combine(repository, "src", "Dagon.Dsl")}\" -c Release -o \"{feed}\" -p:Version={version}", repository, TimeSpan.FromMinutes(8));
            Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack.Output);

            var project = Path.Combine(root, "app");
            CreateProject(project, feed, version);

            File.WriteAllText(Path.Combine(project, "EndToEndFlow.cs"), WorkflowSource(Broken));
            var broken = Run("dotnet", "build", project, TimeSpan.FromMinutes(8));
            Assert.NotEqual(0, broken.ExitCode);
            var (line, column) = Position(WorkflowSource(Broken), Broken);
            Assert.Contains($"EndToEndFlow.cs({line},{column}): error DAG001", broken.Output);

            File.WriteAllText(Path.Combine(project, "EndToEndFlow.cs"), WorkflowSource("Produce"));
            var build = Run("dotnet", "build", project, TimeSpan.FromMinutes(8));
            Assert.True(build.ExitCode == 0, "The fixed workflow does not build:\n" + build.Output);

            var run = Run("dotnet", "run --no-build", project, TimeSpan.FromMinutes(8));
            Assert.True(run.ExitCode == 0, "The workflow run failed:\n" + run.Output);
            Assert.Contains("hello-from-produce", run.Output);
            Assert.Contains("consumed-by-consume", run.Output);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            DeleteCachedPackage(version);
        }
    }

    /// <summary>Each run packs a unique version; drop it from the global package folder so runs do not pile up.</summary>
    private static void DeleteCachedPackage(string? version)
    {
        if (version is null) return;
        var folder = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        try { Directory.Delete(Path.Combine(folder, "dagon.dsl", version), recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void CreateProject(string project, string feed, string version)
    {
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(project, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Dagon.Dsl" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), """
            using EndToEnd;

            // The typed handles adjust generated tasks: busybox has sh but no bash, and a tmpfs overlay keeps the run fast.
            return await EndToEndFlow.RunAsync(args, tasks =>
            {
                tasks.Produce.Shell("/bin/sh").WritableTmpfs();
                tasks.Consume.Shell("/bin/sh").WritableTmpfs();
            });
            """);

        // A sandbox image made of the host's static busybox: nothing to download, used in place by Apptainer.
        var bin = Path.Combine(project, "rootfs", "bin");
        Directory.CreateDirectory(bin);
        var busybox = new[] { "/usr/bin/busybox", "/bin/busybox" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("This test builds its container from a static busybox; install the busybox-static package.");
        File.Copy(busybox, Path.Combine(bin, "busybox")); // keeps the executable bit on Unix
        foreach (var command in new[] { "sh", "cat", "echo", "mkdir", "ls", "cp", "hostname" })
        {
            File.CreateSymbolicLink(Path.Combine(bin, command), "busybox");
        }
    }

    private static (int Line, int Column) Position(string source, string text)
    {
        var index = source.IndexOf(text, StringComparison.Ordinal);
        var line = source[..index].Count(c => c == '\n') + 1;
        var column = index - source.LastIndexOf('\n', index - 1);
        return (line, column);
    }

    private static string FindRepository()
    {
        for (var directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Dagon.Dsl.sln"))) return directory;
        }

        throw new InvalidOperationException("Cannot find Dagon.Dsl.sln above " + AppContext.BaseDirectory);
    }

    private static (int ExitCode, string Output) Run(string fileName, string arguments, string workingDirectory, TimeSpan timeout, bool throwIfMissing = true)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The test host's MSBuild variables would point the child builds at this test's SDK state.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "DOTNET_HOST_PATH" }) start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var output = new StringBuilder();
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception exception) when (!throwIfMissing)
        {
            return (-1, $"{fileName} could not be started: {exception.Message}");
        }

        using (process)
        {
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"{fileName} {arguments} timed out after {timeout}:\n{output}");
            }

            process.WaitForExit();
            return (process.ExitCode, output.ToString());
        }
    }
}
