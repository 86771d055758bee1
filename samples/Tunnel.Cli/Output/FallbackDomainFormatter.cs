using Tunnel.LocalApi;

namespace Tunnel.Cli.Output;

/// <summary><c>dns fallback add|remove|list</c>.</summary>
internal static class FallbackDomainFormatter
{
    /// <summary>Writes the fallback domains as a table, or a line saying there are none.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="domains">The domains.</param>
    public static void WriteList(TextWriter writer, IReadOnlyList<FallbackDomainEntry> domains)
    {
        if (domains.Count == 0)
        {
            writer.WriteLine("No DNS fallback domains.");
            return;
        }

        var table = new TextTable("SUFFIX", "SERVERS");
        foreach (var domain in domains)
        {
            table.Add(domain.Suffix, string.Join(", ", domain.Servers));
        }

        table.WriteTo(writer);
    }

    /// <summary>Confirms an added domain.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="domain">The domain as the agent stored it.</param>
    public static void WriteAdded(TextWriter writer, FallbackDomainEntry domain) =>
        writer.WriteLine($"Added {domain.Suffix}: queries go to {string.Join(", ", domain.Servers)}.");

    /// <summary>Confirms a removed domain.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="suffix">The suffix as given on the command line.</param>
    public static void WriteRemoved(TextWriter writer, string suffix) => writer.WriteLine($"Removed {suffix}.");
}
