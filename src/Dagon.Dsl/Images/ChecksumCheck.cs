namespace Dagon.Images;

/// <summary>
/// A cached image's sha256 against the one recorded when it was made, as a dry run reports it and a real run acts on
/// it: intact, changed since (the run would <see cref="Redo"/> it), or never recorded (<see cref="Unverified"/> says why).
/// </summary>
internal sealed record ChecksumCheck(string? Recorded, string? Found, string Redo)
{
    public const string NotRecordedYet = "no checksum recorded yet";

    /// <summary>Why no check was made, when none was.</summary>
    public string? Unverified { get; init; }

    public bool Intact => Recorded is not null && string.Equals(Recorded, Found, StringComparison.OrdinalIgnoreCase);

    public bool Mismatch => Recorded is not null && !Intact;

    public static ChecksumCheck NotRecorded(string why) => new(null, null, "") { Unverified = why };

    /// <summary>
    /// What a dry run reports of the cached image at <paramref name="path"/>: a note that follows its line when it is
    /// verified or could not be, or, when it changed, the whole line (what the run would do instead of using it).
    /// </summary>
    public string Describe(string path) =>
        Unverified is { } why ? $"not verified ({why})"
        : Intact ? "sha256 verified"
        : $"would {Redo}: checksum mismatch, cached {path} has sha256 {Found} but {Recorded} was recorded when it was made";
}
