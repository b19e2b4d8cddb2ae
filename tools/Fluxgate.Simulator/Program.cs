using System.CommandLine;
using Fluxgate.Simulator;

// dotnet run --project tools/Fluxgate.Simulator -- <scenario> [--out <directory>] [--seed <n>]
return Cli.Run(args, Console.Out, Console.Error);
