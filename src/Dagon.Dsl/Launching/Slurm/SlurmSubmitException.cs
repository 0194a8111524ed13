namespace Dagon.Launching.Slurm;

/// <summary>A job could not be submitted (sbatch refused it, or its script could not be written); the message says why.</summary>
public sealed class SlurmSubmitException(string message) : Exception(message);
