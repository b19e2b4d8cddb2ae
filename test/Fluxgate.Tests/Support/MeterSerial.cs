namespace Fluxgate.Tests.Support;

/// <summary>
/// Tests that listen to the process-wide <c>Fluxgate</c> meter, or that count allocations (which a listening
/// meter would add), run one at a time in this collection.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeterSerial
{
    public const string Name = "Process-wide meter";
}
