namespace Dagon.Containers;

/// <summary>Apptainer is not installed where a container task must run; the message says how to install it.</summary>
public sealed class ApptainerNotFoundException(string message) : Exception(message)
{
    public static ApptainerNotFoundException OnThisMachine(string executable) => new(
        $"apptainer: command not found: '{executable}' is not on PATH ({Environment.GetEnvironmentVariable("PATH")}). " +
        "Install Apptainer with scripts/setup-apptainer.sh (or your site's package / 'module load apptainer'), " +
        "or set [apptainer] executable in dagon.ini to its full path.");

    public static ApptainerNotFoundException OnHost(string executable, string host) => new(
        $"'{executable}' was not found on {host}. Install Apptainer there; on HPC sites where it is a module set " +
        "prologue = . /etc/profile; module load apptainer in the host's dagon.ini section, and on older sites apptainer = singularity");
}
