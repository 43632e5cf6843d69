using GanCluster.Cli;

return CliApp.Run(args);
