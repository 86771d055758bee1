using Tunnel.LocalApi;

namespace Tunnel.Cli.Output;

/// <summary><c>stats</c>: every counter, one block per part of the agent.</summary>
internal static class StatsFormatter
{
    /// <summary>Writes a block per part that reported, separated by blank lines.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="stats">The agent's counters.</param>
    public static void Write(TextWriter writer, StatsResponse stats)
    {
        if (stats.Tunnel is { } tunnel)
        {
            var block = new KeyValueBlock();
            block.Add("Sent", $"{Units.Count(tunnel.DatagramsSent)} datagrams, {Units.Bytes(tunnel.BytesSent)}");
            block.Add("Received", $"{Units.Count(tunnel.DatagramsReceived)} datagrams, {Units.Bytes(tunnel.BytesReceived)}");
            block.Add("TUN packets read", Units.Count(tunnel.TunnelPacketsRead));
            block.Add("TUN packets written", Units.Count(tunnel.TunnelPacketsWritten));
            block.Add("Handshakes", Units.Count(tunnel.Handshakes));
            foreach (var (reason, count) in tunnel.Drops.OrderBy(drop => drop.Key, StringComparer.Ordinal))
            {
                block.Add($"Dropped ({reason})", Units.Count(count));
            }

            Section(writer, "Tunnel", block);
        }

        if (stats.Routes is { } routes)
        {
            var block = new KeyValueBlock();
            block.Add("Responses inspected", Units.Count(routes.ResponsesInspected));
            block.Add("Responses matched", Units.Count(routes.ResponsesMatched));
            block.Add("Addresses learned", Units.Count(routes.AddressesLearned));
            block.Add("Addresses expired", Units.Count(routes.AddressesExpired));
            block.Add("Learned now", $"{Units.Count(routes.LearnedAddresses)} addresses, {Units.Count(routes.LearnedNames)} names");
            block.Add("Apply failures", Units.Count(routes.ApplyFailures));
            block.Add("Dropped over limits", Units.Count(routes.DroppedOverLimits));
            Section(writer, "Routes", block);
        }

        if (stats.Dns is { } dns)
        {
            var block = new KeyValueBlock();
            block.Add("Queries", $"{Units.Count(dns.UdpQueries)} UDP, {Units.Count(dns.TcpQueries)} TCP");
            block.Add("Forwarded", $"{Units.Count(dns.Forwarded)} ({Units.Count(dns.ForwardedToFallbackDomains)} to fallback domains)");
            block.Add("Upstream failures", Units.Count(dns.UpstreamFailures));
            block.Add("Server failures", Units.Count(dns.ServerFailures));
            block.Add("Canary answers", Units.Count(dns.CanaryAnswers));
            block.Add("Malformed queries", Units.Count(dns.MalformedQueries));
            block.Add("Dropped queries", Units.Count(dns.DroppedQueries));
            block.Add("Routes learned", Units.Count(dns.RoutesLearned));
            Section(writer, "DNS", block);
        }

        if (stats.Api is { } api)
        {
            var block = new KeyValueBlock();
            block.Add("Connections", $"{Units.Count(api.ActiveConnections)} open of {Units.Count(api.ConnectionLimit)}");
            block.Add("Refused over limit", Units.Count(api.RejectedConnections));
            Section(writer, "Local API", block);
        }

        var process = new KeyValueBlock();
        process.Add("Uptime", Units.Duration(stats.Process.UptimeSeconds));
        process.Add("Working set", Units.Bytes(stats.Process.WorkingSetBytes));
        process.Add("Allocated", Units.Bytes(stats.Process.AllocatedBytes));
        process.Add("Collections", $"{stats.Process.Gen0Collections} gen0, {stats.Process.Gen1Collections} gen1, {stats.Process.Gen2Collections} gen2");
        Section(writer, "Process", process, last: true);
    }

    private static void Section(TextWriter writer, string title, KeyValueBlock block, bool last = false)
    {
        writer.WriteLine(title);
        block.WriteTo(writer, indent: 2);
        if (!last)
        {
            writer.WriteLine();
        }
    }
}
