using Dagon.Samples;

// Run in this folder (it reads ./dagon.ini: copy dagon.ini.sample) or pass --config FILE; --slurm:partition NAME
// picks a partition for this run.
return await DataflowDemoSlurm.RunAsync(args);
