#nullable enable
// Owned by common/ and linked into the runtime, the generator and the analyzers, so that all three know the same
// modes. Public because the runtime's API (TaskDefinition, the attributes, ApptainerOptions) exposes it.

namespace Dagon.Model
{
    /// <summary>What a container task sees of the machine it runs on.</summary>
    public enum ContainerIsolation
    {
        /// <summary>Not set here: the host's setting applies, then the run's, then <see cref="Clean"/>.</summary>
        Unset = 0,

        /// <summary>
        /// The default: <c>--cleanenv</c> (only the allow-listed variables and the task's own reach the command) and
        /// <c>--no-home</c> (the home folder is not mounted).
        /// </summary>
        Clean = 1,

        /// <summary><see cref="Clean"/> plus <c>--containall</c>: private /tmp, /dev, PID and IPC namespaces.</summary>
        Contained = 2,

        /// <summary>Apptainer's own default: the whole environment and the home folder come in.</summary>
        Inherit = 3,
    }
}
