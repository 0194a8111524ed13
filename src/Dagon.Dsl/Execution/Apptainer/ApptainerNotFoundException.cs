namespace Dagon.Execution.Apptainer;

public sealed class ApptainerNotFoundException(string executable)
    : Exception($"apptainer: command not found: '{executable}' is not on PATH ({Environment.GetEnvironmentVariable("PATH")}). " +
                "Install Apptainer with scripts/setup-apptainer.sh (or your site's package / 'module load apptainer'), " +
                "or set [apptainer] executable in dagon.ini to its full path.")
{
    public string Executable { get; } = executable;
}

/// <summary>An image that could not be built or found; the message carries Apptainer's own words.</summary>
public sealed class ImagePreparationException(string message) : Exception(message);
