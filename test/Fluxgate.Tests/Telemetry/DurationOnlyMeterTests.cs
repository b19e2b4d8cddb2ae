using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Telemetry;

/// <summary>A listener that enables only the duration histogram still gets durations: the per-call gate opens for either instrument.</summary>
[Collection(MeterSerial.Name)]
public sealed class DurationOnlyMeterTests
{
    [Fact]
    public void CallDuration_ListenedToAlone_IsRecorded()
    {
        var name = "duration-only-" + Guid.NewGuid().ToString("N");
        var durations = new ConcurrentQueue<double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == FluxgateMetrics.MeterName && instrument.Name == FluxgateMetrics.CallDurationInstrument)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == FluxgateMetrics.CircuitNameTag && (string?)tag.Value == name)
                {
                    durations.Enqueue(value);
                }
            }
        });
        listener.Start();
        var clock = TestKit.NewClock();
        var options = TestKit.Options(clock);
        options.Name = name;
        var breaker = new CircuitBreaker(options);

        breaker.Succeed(clock, TimeSpan.FromMilliseconds(250));

        Assert.Equal([0.25], durations);
    }
}
