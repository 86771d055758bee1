using Tunnel.LocalApi;

namespace Tunnel.Cli.Output;

/// <summary><c>status</c>, and the answer to <c>connect</c>, <c>disconnect</c> and <c>mode</c>.</summary>
internal static class StatusFormatter
{
    /// <summary>Writes the status as a key-value block.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="status">The agent's status.</param>
    public static void Write(TextWriter writer, StatusResponse status)
    {
        var block = new KeyValueBlock();
        block.Add("State", status.State);
        block.Add("Mode", status.Mode);
        block.Add("Interface", status.Interface);
        block.Add("Gateway", status.Gateway);
        block.Add("Public key", status.PublicKey);
        block.Add("Connected since", status.ConnectedSince is { } since ? Units.Time(since) : null);
        block.Add("Handshake", Handshake(status));
        block.Add("Transfer", $"{Units.Bytes(status.BytesReceived)} received, {Units.Bytes(status.BytesSent)} sent");
        block.Add("Drops", Units.Count(status.Drops));
        block.Add("Learned routes", Units.Count(status.LearnedRoutes));
        block.Add("DNS", status.DnsListen is { } listen ? $"{listen} ({Units.Count(status.DnsQueries)} queries)" : null);
        block.Add("Resolver", status.ResolverBackend);
        block.Add("Last error", status.LastError);
        block.Add("Agent version", status.Version);
        block.WriteTo(writer);
    }

    private static string? Handshake(StatusResponse status) => status.HandshakeAgeSeconds switch
    {
        { } age => $"{Units.Duration(age)} ago",
        // "never" only means something while a gateway is configured; disconnected, the line is noise.
        null when status.Gateway is not null => "none yet",
        null => null,
    };
}
