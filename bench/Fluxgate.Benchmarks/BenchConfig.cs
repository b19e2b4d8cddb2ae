using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace Fluxgate.Benchmarks;

/// <summary>
/// One job for every benchmark, sized so the whole suite finishes within 15 minutes on 2 cores; results grouped by
/// category with the direct call as baseline, and a "vs Polly" column: the ratio of each mean to Polly's in the
/// same category (the goals of docs/benchmarks.md are stated in it).
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default
            .WithWarmupCount(4)
            .WithIterationCount(12)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithLaunchCount(1)
            .WithId("Fluxgate"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new VsPollyColumn());
        AddColumnProvider(DefaultColumnProviders.Instance);
        AddExporter(MarkdownExporter.GitHub);
        AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default);
        WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared));
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams);
        WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Value));
    }

    /// <summary>Mean of this benchmark divided by the mean of the Polly benchmark of the same category and parameters.</summary>
    private sealed class VsPollyColumn : IColumn
    {
        public string Id => "VsPolly";

        public string ColumnName => "vs Polly";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Mean divided by the mean of Polly's benchmark in the same category and parameters";

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var category = benchmarkCase.Descriptor.Categories.FirstOrDefault();
            var polly = summary.BenchmarksCases.FirstOrDefault(c =>
                c.Descriptor.Categories.FirstOrDefault() == category
                && c.Descriptor.WorkloadMethod.Name.StartsWith("Polly", StringComparison.Ordinal)
                && c.Parameters.DisplayInfo == benchmarkCase.Parameters.DisplayInfo);
            var mine = summary[benchmarkCase]?.ResultStatistics?.Mean;
            var theirs = polly is null ? null : summary[polly]?.ResultStatistics?.Mean;
            return mine is { } m && theirs is { } t && t > 0 ? (m / t).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "-";
        }

        public override string ToString() => ColumnName;
    }
}
