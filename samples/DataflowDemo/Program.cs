using Dagon.Samples;

return await DataflowDemo.RunAsync(args);
