using Tunnel.LocalApi;

namespace Tunnel.Cli.Output;

/// <summary><c>tunnel ip|host add|remove|list</c>.</summary>
internal static class SplitTunnelFormatter
{
    /// <summary>Writes the entries of one kind as a table, or a line saying there are none.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="entries">The entries, already filtered to <paramref name="kind"/>.</param>
    /// <param name="kind"><c>ip</c> or <c>host</c>.</param>
    public static void WriteList(TextWriter writer, IReadOnlyList<SplitTunnelEntry> entries, string kind)
    {
        if (entries.Count == 0)
        {
            writer.WriteLine(kind == SplitTunnelKinds.Ip ? "No split-tunnel IP entries." : "No split-tunnel host entries.");
            return;
        }

        var table = new TextTable(kind == SplitTunnelKinds.Ip ? "PREFIX" : "PATTERN", "DESCRIPTION");
        foreach (var entry in entries)
        {
            table.Add(entry.Entry, entry.Description ?? "");
        }

        table.WriteTo(writer);
    }

    /// <summary>Confirms an added entry.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="entry">The entry as the agent stored it.</param>
    public static void WriteAdded(TextWriter writer, SplitTunnelEntry entry) =>
        writer.WriteLine(entry.Description is { Length: > 0 } description
            ? $"Added {entry.Entry} ({description})."
            : $"Added {entry.Entry}.");

    /// <summary>Confirms a removed entry.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="entry">The entry as given on the command line.</param>
    public static void WriteRemoved(TextWriter writer, string entry) => writer.WriteLine($"Removed {entry}.");
}
