using Fluxgate.Redis.Internal;

namespace Fluxgate.Redis.Coordination;

/// <summary>The rule's part for commands: each applied once per replica, in the order this replica hears them.</summary>
internal sealed partial class FleetCoordinator
{
    /// <summary>The command ids remembered per breaker, so an echo or a repeated message is applied once.</summary>
    private const int RememberedCommands = 32;

    /// <summary>Handles a command heard on the channel or read from storage (one given here is noted by <see cref="Given"/>).</summary>
    /// <param name="command">The command.</param>
    /// <param name="fromStorage">Whether it was read from storage by a replica catching up.</param>
    /// <param name="readAtVersion">For a read from storage: the member's <see cref="CommandVersion"/> when the read was sent.</param>
    public CommandVerdict Command(CommandMessage command, bool fromStorage = false, int? readAtVersion = null)
    {
        if (!_members.TryGetValue(command.Breaker, out var member) || member.AppliedCommands.Contains(command.Id))
        {
            return CommandVerdict.Duplicate;
        }

        if (!fromStorage && command.Incarnation != 0 && command.Incarnation == Incarnation && command.By == ReplicaId)
        {
            // The echo of a command given by this process, which applied it when it was given: however late it comes (its id
            // may have left the ids remembered, 32 commands later), applying it again would undo the commands given since.
            return CommandVerdict.Duplicate;
        }

        if (readAtVersion is { } version && version != member.CommandVersion)
        {
            return CommandVerdict.Stale;
        }

        Note(member, command);

        // A stored reset read while catching up ends a command the replica missed (its breaker is in a state only a command
        // sets); it does not close a breaker open on its own evidence, nor reset one that just joined.
        return fromStorage && command.Command == FleetCommand.Reset && member.State is not (CircuitState.ForcedOpen or CircuitState.Disabled or CircuitState.MetricsOnly)
            ? CommandVerdict.Noted
            : CommandVerdict.Apply;
    }

    /// <summary>Notes a command given by this process, which applies it at once: its echo, however late, is a duplicate.</summary>
    public void Given(CommandMessage command)
    {
        if (_members.TryGetValue(command.Breaker, out var member) && !member.AppliedCommands.Contains(command.Id))
        {
            Note(member, command);
        }
    }

    private static void Note(Member member, CommandMessage command)
    {
        member.AppliedCommands.Enqueue(command.Id);
        if (member.AppliedCommands.Count > RememberedCommands)
        {
            member.AppliedCommands.Dequeue();
        }

        member.CommandVersion++;
    }

    /// <summary>Gets how many commands the member applied (a read from storage sent before a newer one was applied is stale).</summary>
    public int CommandVersion(string breaker) => _members.TryGetValue(breaker, out var member) ? member.CommandVersion : 0;
}
