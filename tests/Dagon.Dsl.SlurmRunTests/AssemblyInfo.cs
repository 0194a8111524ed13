[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// Every test submits to the one local Slurm, whose two CPUs they would otherwise share unpredictably.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
