using System.Collections.Immutable;
using Dagon.Dsl.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Dagon.Dsl.Generators.Tests.Infrastructure;

/// <summary>Compiles snippets against the runtime and runs the workflow generator on them.</summary>
internal static class TestCompilation
{
    public const string ProjectDirectory = "/src/Demo/";

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>
    /// The running runtime's own assemblies (this test process is net10.0, like the users' projects) plus the
    /// Dagon.Dsl runtime, so snippets compile offline without reference-assembly packages.
    /// </summary>
    public static readonly ImmutableArray<MetadataReference> References = LoadReferences();

    public static CSharpCompilation Create(params string[] sources) =>
        CSharpCompilation.Create(
            "Workflows",
            sources.Select((source, i) => Parse(source, i)),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static SyntaxTree Parse(string source, int index) =>
        CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"/src/Demo/File{index}.cs");

    public static GeneratorDriver CreateDriver(string? projectDirectory = ProjectDirectory) =>
        CSharpGeneratorDriver.Create(
            [new WorkflowGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            optionsProvider: new GlobalOptionsProvider(projectDirectory),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator and returns its sources, failing the test if the result does not compile.</summary>
    public static GeneratorDriverRunResult RunAndCompile(params string[] sources)
    {
        var compilation = Create(sources);
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "Generated code does not compile:\n" + string.Join("\n", errors));
        return driver.GetRunResult();
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trusted
            .Where(path =>
            {
                var name = Path.GetFileNameWithoutExtension(path);
                return name is "mscorlib" or "netstandard" or "System" or "Dagon.Dsl"
                       || name.StartsWith("System.", StringComparison.Ordinal)
                       || name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal);
            })
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }

    private sealed class GlobalOptionsProvider(string? projectDirectory) : AnalyzerConfigOptionsProvider
    {
        private readonly Options _global = new(projectDirectory is null
            ? ImmutableDictionary<string, string>.Empty
            : ImmutableDictionary<string, string>.Empty.Add("build_property.ProjectDir", projectDirectory));

        public override AnalyzerConfigOptions GlobalOptions => _global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

        private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public static readonly Options Empty = new(ImmutableDictionary<string, string>.Empty);

            public override bool TryGetValue(string key, out string value) =>
                values.WithComparers(KeyComparer).TryGetValue(key, out value!);
        }
    }
}
