using Dagon.Model;
using Microsoft.Extensions.Configuration;

namespace Dagon.Containers;

public enum FakerootMode
{
    /// <summary>Use <c>--fakeroot</c> for definition-file builds unless this process is root.</summary>
    Auto,
    Always,
    Never,
}

/// <summary>The <c>[apptainer]</c> section of dagon.ini.</summary>
public sealed class ApptainerOptions
{
    public const string Section = "apptainer";

    /// <summary>Command or path of the Apptainer binary (<c>singularity</c> on older sites).</summary>
    [ConfigurationKeyName("executable")]
    public string Executable { get; set; } = "apptainer";

    /// <summary>Where built SIF images are kept and reused across tasks and runs.</summary>
    [ConfigurationKeyName("image_cache_dir")]
    public string? ImageCacheDir { get; set; }

    /// <summary>Apptainer's own layer cache (<c>APPTAINER_CACHEDIR</c>); left to Apptainer when unset.</summary>
    [ConfigurationKeyName("cache_dir")]
    public string? CacheDir { get; set; }

    /// <summary>Apptainer's build scratch space (<c>APPTAINER_TMPDIR</c>); left to Apptainer when unset.</summary>
    [ConfigurationKeyName("tmp_dir")]
    public string? TmpDir { get; set; }

    /// <summary>Overrides every task's overlay mode: image, writable-tmpfs or none.</summary>
    [ConfigurationKeyName("overlay")]
    public OverlayMode? Overlay { get; set; }

    [ConfigurationKeyName("fakeroot")]
    public FakerootMode Fakeroot { get; set; } = FakerootMode.Auto;

    /// <summary>Passes <c>--silent</c> to exec so Apptainer's INFO/WARNING lines do not mix with task output.</summary>
    [ConfigurationKeyName("silent")]
    public bool Silent { get; set; } = true;

    /// <summary>Pull docker:// images over plain HTTP (a registry on the local network).</summary>
    [ConfigurationKeyName("nohttps")]
    public bool NoHttps { get; set; }

    /// <summary>
    /// The account Apptainer runs as when the engine runs as root (Apptainer's unprivileged mode); the folders the
    /// engine makes for containers are handed to it. Default: the account the provisioning script's wrapper declares.
    /// </summary>
    [ConfigurationKeyName("container_user")]
    public string? ContainerUser { get; set; }

    /// <summary>How long one image build may take.</summary>
    [ConfigurationKeyName("build_timeout_seconds")]
    public int BuildTimeoutSeconds { get; set; } = 3600;

    /// <summary>What container tasks see unless their host or the task says otherwise: Clean, Contained or Inherit.</summary>
    [ConfigurationKeyName("isolation")]
    public ContainerIsolation Isolation { get; set; } = ContainerIsolation.Clean;

    /// <summary>
    /// Variables of the place's environment that reach an isolated container, separated by white space or commas;
    /// a trailing <c>*</c> matches a prefix. Setting it replaces <see cref="DefaultEnvAllow"/>.
    /// </summary>
    [ConfigurationKeyName("env_allow")]
    public string EnvAllow { get; set; } = DefaultEnvAllow;

    public const string DefaultEnvAllow =
        "CUDA_VISIBLE_DEVICES ROCR_VISIBLE_DEVICES HIP_VISIBLE_DEVICES GPU_DEVICE_ORDINAL SLURM_* OMP_* " +
        "MKL_NUM_THREADS OPENBLAS_NUM_THREADS TZ LANG LANGUAGE LC_*";

    /// <summary>
    /// Apptainer options added to every container task: words separated by white space, with '...' or "..." keeping
    /// spaces inside one word (nothing else is special), e.g. <c>--bind /scratch:/scratch --nv</c>.
    /// </summary>
    [ConfigurationKeyName("run_options")]
    public string? RunOptions { get; set; }

    /// <summary>missing, always or never (see <see cref="PullPolicy"/>); the command line's --refresh-images means always.</summary>
    [ConfigurationKeyName("pull")]
    public PullPolicy Pull { get; set; } = PullPolicy.Missing;

    /// <summary>How long fetching one registry image (docker://, library://, oras://, http(s)://) may take.</summary>
    [ConfigurationKeyName("pull_timeout_seconds")]
    public int PullTimeoutSeconds { get; set; } = 1800;

    /// <summary>
    /// Read-only folders of prebuilt .sif files, separated by ':' (like PATH), searched before anything is built:
    /// <c>NAME.sif</c> (the image's readable name, see ImageKey.ReadableName) or, for a digest, <c>sha256-HEX.sif</c>.
    /// </summary>
    [ConfigurationKeyName("library_dirs")]
    public string? LibraryDirs { get; set; }

    internal string ResolveImageCacheDir() => ResolveImageCacheDir(Environment.GetEnvironmentVariable("DAGON_IMAGE_CACHE"),
        Environment.IsPrivilegedProcess, Environment.GetEnvironmentVariable("XDG_CACHE_HOME"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    internal string ResolveImageCacheDir(string? fromEnvironment, bool privileged, string? xdg, string home)
    {
        if (!string.IsNullOrWhiteSpace(ImageCacheDir)) return Path.GetFullPath(ImageCacheDir);
        if (fromEnvironment is { Length: > 0 }) return fromEnvironment;
        if (privileged) return "/var/cache/dagon/images";
        if (string.IsNullOrEmpty(xdg) && !Path.IsPathRooted(home))
        {
            // Without HOME the default would be a relative folder under wherever the run starts.
            throw new InvalidOperationException(
                "HOME is not set, so there is no default image cache: set [apptainer] image_cache_dir (or --image-cache, or DAGON_IMAGE_CACHE)");
        }

        var cacheHome = string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg;
        return Path.Combine(cacheHome, "dagon", "images");
    }
}
