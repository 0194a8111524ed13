namespace Dagon.Places;

/// <summary>What a place told about itself.</summary>
public sealed record PlaceInfo(string User, string Home)
{
    /// <summary>
    /// Expands <c>~</c>, <c>$HOME</c>, <c>${HOME}</c>, <c>$USER</c> and <c>${USER}</c> with the place's values. Done here,
    /// with values the place reported, rather than by a shell, so a configured path is never evaluated as code.
    /// </summary>
    public string Expand(string path)
    {
        if (path == "~") path = Home;
        else if (path.StartsWith("~/", StringComparison.Ordinal)) path = Home + path[1..];
        return path.Replace("${HOME}", Home, StringComparison.Ordinal).Replace("$HOME", Home, StringComparison.Ordinal)
            .Replace("${USER}", User, StringComparison.Ordinal).Replace("$USER", User, StringComparison.Ordinal);
    }
}

/// <summary>Settings a place may carry of its own; null means "the run's setting".</summary>
public sealed record PlaceSettings
{
    public static readonly PlaceSettings None = new();

    /// <summary>Parent folder of work directories; <c>~</c>, <c>$HOME</c> and <c>$USER</c> are expanded with the place's values.</summary>
    public string? TmpDir { get; init; }

    /// <summary>Where the place keeps its images, reused across runs.</summary>
    public string? ImageCacheDir { get; init; }

    /// <summary>Folders on the place holding prebuilt .sif files, searched before an image is built there (':' between them).</summary>
    public string? LibraryDirs { get; init; }

    /// <summary>The Apptainer command on the place.</summary>
    public string? Apptainer { get; init; }

    /// <summary>Images for this place are built on this machine and uploaded.</summary>
    public bool BuildImagesHere { get; init; }

    /// <summary>Build definition files with <c>--fakeroot</c> on the place.</summary>
    public bool? Fakeroot { get; init; }

    /// <summary>What container tasks on the place see, unless a task says otherwise (<c>[host:NAME] isolation</c>).</summary>
    public Model.ContainerIsolation Isolation { get; init; }
}
