using Fluxgate.Redis;

namespace Fluxgate.Docs.Snippets.Fleet;

internal static class Commands
{
    public static async Task Run(CircuitBreakerFleet fleet)
    {
        #region snippet
        await fleet.ForceOpenAsync("payments");      // every replica, now and when it (re)connects
        await fleet.ResetAsync("payments");          // closed everywhere, no command in force

        var view = await fleet.GetViewAsync("payments");
        foreach (var replica in view.Replicas)
        {
            Console.WriteLine($"{replica.ReplicaId}: {replica.State} since {replica.Since:T}, {replica.FailureCount}/{replica.TotalCount} failed, heard {replica.LastHeard:T}{(replica.IsLive ? "" : " (gone)")}");
        }

        Console.WriteLine($"{view.OpenedOnOwnEvidence} of {view.LiveReplicas} live replicas open on their own evidence; quorum {view.Quorum}; last command {view.LastCommand?.Command}");
        #endregion
    }
}
