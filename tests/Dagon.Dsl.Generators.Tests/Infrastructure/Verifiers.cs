using Dagon.Dsl.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace Dagon.Dsl.Generators.Tests.Infrastructure;

/// <summary>Analyzer tests against the same offline references as the generator tests, with an optional project directory.</summary>
internal sealed class AnalyzerTest : CSharpAnalyzerTest<WorkflowAnalyzer, DefaultVerifier>
{
    public AnalyzerTest(string source, string? projectDirectory = null)
    {
        TestCode = source;
        Configure(TestState, projectDirectory);
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
    }

    internal static void Configure(SolutionState state, string? projectDirectory)
    {
        state.AdditionalReferences.AddRange(TestCompilation.References);
        if (projectDirectory is not null)
        {
            state.AnalyzerConfigFiles.Add(("/.globalconfig", $"is_global = true\nbuild_property.ProjectDir = {projectDirectory}\n"));
        }
    }

    public static Task VerifyAsync(string source, string? projectDirectory = null) => new AnalyzerTest(source, projectDirectory).RunAsync();
}

internal sealed class CodeFixTest<TCodeFix> : CSharpCodeFixTest<WorkflowAnalyzer, TCodeFix, DefaultVerifier>
    where TCodeFix : CodeFixProvider, new()
{
    public CodeFixTest(string source, string fixedSource)
    {
        TestCode = source;
        FixedCode = fixedSource;
        AnalyzerTest.Configure(TestState, null);
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
    }

    public static Task VerifyAsync(string source, string fixedSource) => new CodeFixTest<TCodeFix>(source, fixedSource).RunAsync();
}
