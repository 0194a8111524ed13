using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Dagon.Places.Ssh;

/// <summary>How remote images are made ready on a host.</summary>
public enum RemoteImageBuild
{
    /// <summary>Registry sources and .def files are built on the host; local .sif files are uploaded.</summary>
    Remote,
    /// <summary>Everything is built here (local Apptainer) and the SIF uploaded: for hosts that cannot pull.</summary>
    Local,
}

/// <summary>
/// One remote host profile: the <c>[ssh]</c> section of dagon.ini (profile "ssh", also the default) or a
/// <c>[host:NAME]</c> section (profile NAME). Key names follow DagOnStar's (<c>remote_ip</c>, <c>ssh_user</c>,
/// <c>ssh_port</c>); unset keys of a <c>[host:NAME]</c> profile fall back to <c>[ssh]</c>.
/// </summary>
public sealed class SshHostOptions
{
    public string Name { get; set; } = "ssh";

    /// <summary>IP address or host name.</summary>
    [ConfigurationKeyName("remote_ip")]
    public string? Address { get; set; }

    [ConfigurationKeyName("ssh_user")]
    public string? User { get; set; }

    [ConfigurationKeyName("ssh_port")]
    public int? Port { get; set; }

    /// <summary>Private key (OpenSSH or PEM format); default ~/.ssh/id_ed25519, then id_ecdsa, then id_rsa.</summary>
    [ConfigurationKeyName("ssh_key")]
    public string? KeyPath { get; set; }

    /// <summary>Passphrase of the private key; prefer an unencrypted key readable only by you, or this from the environment.</summary>
    [ConfigurationKeyName("ssh_key_passphrase")]
    public string? KeyPassphrase { get; set; }

    /// <summary>known_hosts file; default ~/.ssh/known_hosts.</summary>
    [ConfigurationKeyName("known_hosts")]
    public string? KnownHostsPath { get; set; }

    /// <summary>false accepts any host key (logged as a warning on every connection). Default true.</summary>
    [ConfigurationKeyName("strict_host_key_checking")]
    public bool? StrictHostKeyChecking { get; set; }

    [ConfigurationKeyName("connect_timeout_seconds")]
    public int? ConnectTimeoutSeconds { get; set; }

    /// <summary>Limit for the engine's own housekeeping commands on the host (mkdir, checksums, overlay create).</summary>
    [ConfigurationKeyName("command_timeout_seconds")]
    public int? CommandTimeoutSeconds { get; set; }

    [ConfigurationKeyName("keepalive_seconds")]
    public int? KeepAliveSeconds { get; set; }

    /// <summary>Channels open at once on the connection; sshd refuses more than its MaxSessions (10 by default).</summary>
    [ConfigurationKeyName("max_sessions")]
    public int? MaxSessions { get; set; }

    /// <summary>Parent folder of remote work directories; <c>$USER</c>, <c>$HOME</c> and <c>~</c> are expanded with the host's values.</summary>
    [ConfigurationKeyName("tmp_dir")]
    public string? TmpDir { get; set; }

    /// <summary>Where the host keeps its built and uploaded images, reused across runs.</summary>
    [ConfigurationKeyName("image_cache_dir")]
    public string? ImageCacheDir { get; set; }

    /// <summary>
    /// Folders on the host holding prebuilt .sif files (':' between them, <c>~</c> and <c>$HOME</c> expanded), searched
    /// before an image is built or pulled there, by the same names as <c>[apptainer] library_dirs</c>.
    /// </summary>
    [ConfigurationKeyName("library_dirs")]
    public string? LibraryDirs { get; set; }

    /// <summary>The Apptainer command on the host: <c>apptainer</c>, <c>singularity</c>, or a full path.</summary>
    [ConfigurationKeyName("apptainer")]
    public string? Apptainer { get; set; }

    /// <summary>Shell lines run before every command on the host, e.g. <c>module load apptainer</c>. Trusted configuration.</summary>
    [ConfigurationKeyName("prologue")]
    public string? Prologue { get; set; }

    [ConfigurationKeyName("image_build")]
    public RemoteImageBuild? ImageBuild { get; set; }

    /// <summary>Build .def files with --fakeroot on the host (default true: hosts are unprivileged).</summary>
    [ConfigurationKeyName("fakeroot")]
    public bool? Fakeroot { get; set; }

    /// <summary>What container tasks on this host see unless a task says otherwise: Clean, Contained or Inherit.</summary>
    [ConfigurationKeyName("isolation")]
    public Model.ContainerIsolation? Isolation { get; set; }

    internal int EffectivePort => Port ?? 22;
    internal TimeSpan ConnectTimeout => TimeSpan.FromSeconds(ConnectTimeoutSeconds is > 0 ? ConnectTimeoutSeconds.Value : 10);
    internal TimeSpan CommandTimeout => TimeSpan.FromSeconds(CommandTimeoutSeconds is > 0 ? CommandTimeoutSeconds.Value : 300);
    internal TimeSpan KeepAlive => TimeSpan.FromSeconds(KeepAliveSeconds is > 0 ? KeepAliveSeconds.Value : 15);
    internal int EffectiveMaxSessions => MaxSessions is > 0 ? MaxSessions.Value : 8;
    internal bool VerifiesHostKeys => StrictHostKeyChecking ?? true;
    internal string EffectiveTmpDir => string.IsNullOrWhiteSpace(TmpDir) ? "/tmp/$USER" : TmpDir;
    internal string EffectiveImageCacheDir => string.IsNullOrWhiteSpace(ImageCacheDir) ? "~/.cache/dagon/images" : ImageCacheDir;
    internal string EffectiveApptainer => string.IsNullOrWhiteSpace(Apptainer) ? "apptainer" : Apptainer;

    /// <summary><c>user@address:port</c>, for messages.</summary>
    public string Describe() => $"{User}@{Address}:{EffectivePort}";

    internal SshHostOptions WithDefaults(SshHostOptions defaults) => new()
    {
        Name = Name,
        Address = Address ?? defaults.Address,
        User = User ?? defaults.User,
        Port = Port ?? defaults.Port,
        KeyPath = KeyPath ?? defaults.KeyPath,
        KeyPassphrase = KeyPassphrase ?? defaults.KeyPassphrase,
        KnownHostsPath = KnownHostsPath ?? defaults.KnownHostsPath,
        StrictHostKeyChecking = StrictHostKeyChecking ?? defaults.StrictHostKeyChecking,
        ConnectTimeoutSeconds = ConnectTimeoutSeconds ?? defaults.ConnectTimeoutSeconds,
        CommandTimeoutSeconds = CommandTimeoutSeconds ?? defaults.CommandTimeoutSeconds,
        KeepAliveSeconds = KeepAliveSeconds ?? defaults.KeepAliveSeconds,
        MaxSessions = MaxSessions ?? defaults.MaxSessions,
        TmpDir = TmpDir ?? defaults.TmpDir,
        ImageCacheDir = ImageCacheDir ?? defaults.ImageCacheDir,
        LibraryDirs = LibraryDirs ?? defaults.LibraryDirs,
        Apptainer = Apptainer ?? defaults.Apptainer,
        Prologue = Prologue ?? defaults.Prologue,
        ImageBuild = ImageBuild ?? defaults.ImageBuild,
        Fakeroot = Fakeroot ?? defaults.Fakeroot,
        Isolation = Isolation ?? defaults.Isolation,
    };
}
