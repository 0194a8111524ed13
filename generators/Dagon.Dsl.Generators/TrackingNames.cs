namespace Dagon.Dsl.Generators;

/// <summary>Names of the generator's pipeline steps, so tests can assert which steps reran.</summary>
public static class TrackingNames
{
    public const string Declarations = nameof(Declarations);
    public const string Sources = nameof(Sources);
    public const string ProjectDirectory = nameof(ProjectDirectory);
    public const string Outputs = nameof(Outputs);
}
