using BenchmarkDotNet.Running;
using Fluxgate.Benchmarks;

// dotnet run -c Release --project bench/Fluxgate.Benchmarks -- --filter '*'
if (args is ["--contention-probe"])
{
    ContentionProbe.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, new BenchConfig());
