using Tunnel.LocalApi;

namespace Tunnel.Cli.Output;

/// <summary><c>routes</c>: the addresses learned from DNS answers.</summary>
internal static class RoutesFormatter
{
    /// <summary>Writes one row per learned address, or a line saying there are none.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="routes">The learned addresses.</param>
    public static void Write(TextWriter writer, IReadOnlyList<LearnedRouteEntry> routes)
    {
        if (routes.Count == 0)
        {
            writer.WriteLine("No learned routes.");
            return;
        }

        var table = new TextTable("ADDRESS", "DECISION", "EXPIRES IN", "LAST USED", "NAMES");
        foreach (var route in routes)
        {
            table.Add(
                route.Address,
                // A shadowed address has no route of ours: the system's entry wins, so say so where the decision is read.
                route.Shadowed ? $"{route.Decision} (shadowed)" : route.Decision,
                Units.Duration(route.ExpiresInSeconds),
                route.LastActivitySecondsAgo is { } ago ? $"{Units.Duration(ago)} ago" : "never",
                string.Join(", ", route.Names.Select(name => $"{name.Name} ({name.Rule})")));
        }

        table.WriteTo(writer);
    }
}
