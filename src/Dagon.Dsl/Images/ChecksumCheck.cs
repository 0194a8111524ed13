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

    /// <summary>What follows the cached image's line in a dry run's report.</summary>
    public string Describe() =>
        Unverified is { } why ? $"not verified ({why})"
        : Intact ? "sha256 verified"
        : $"sha256 {Found} where {Recorded} was recorded";
}
