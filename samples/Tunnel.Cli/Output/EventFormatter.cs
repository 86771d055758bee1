using System.Globalization;
using Tunnel.LocalApi;

namespace Tunnel.Cli.Output;

/// <summary><c>watch</c>: one line per event.</summary>
internal static class EventFormatter
{
    /// <summary>The widest event type (<c>route-removed</c>), so messages line up.</summary>
    private const int TypeWidth = 13;

    /// <summary>Writes <c>HH:mm:ss type message</c> in local time.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="agentEvent">The event.</param>
    public static void Write(TextWriter writer, AgentEvent agentEvent)
    {
        string time = agentEvent.Time.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        writer.WriteLine($"{time} {agentEvent.Type.PadRight(TypeWidth)} {agentEvent.Message}".TrimEnd());
    }
}
