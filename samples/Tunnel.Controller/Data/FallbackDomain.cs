namespace Tunnel.Controller.Data;

/// <summary>One entry of a profile's fallback domains: names under <see cref="Suffix"/> go to its own DNS servers.</summary>
internal sealed class FallbackDomain
{
    public long Id { get; set; }

    public Guid ProfileId { get; set; }

    public int Position { get; set; }

    public required string Suffix { get; set; }

    public string Description { get; set; } = "";

    /// <summary>The DNS servers, one per line; none for the device's default servers.</summary>
    public string DnsServers { get; set; } = "";
}
