using BenchmarkDotNet.Running;
using Fluxgate.Benchmarks;

// dotnet run -c Release --project bench/Fluxgate.Benchmarks -- --filter '*'
if (args is ["--contention-probe"])
{
    ContentionProbe.Run();
    return;
}

if (args is ["--fleet-lifecycle"])
{
    await FleetLifecycleProbe.RunAsync();
    return;
}

if (args is ["--fleet-propagation", ..])
{
    await FleetPropagationProbe.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200);
    return;
}

if (args is ["--dashboard-stream", ..])
{
    await DashboardStreamProbe.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 50);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, new BenchConfig());
