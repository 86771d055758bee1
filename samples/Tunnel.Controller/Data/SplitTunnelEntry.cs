namespace Tunnel.Controller.Data;

/// <summary>One entry of a profile's include or exclude list: an address (prefix) or a host pattern.</summary>
internal sealed class SplitTunnelEntry
{
    public long Id { get; set; }

    public Guid ProfileId { get; set; }

    /// <summary><c>include</c> or <c>exclude</c>.</summary>
    public required string List { get; set; }

    /// <summary>The entry's place in its list.</summary>
    public int Position { get; set; }

    public string? Address { get; set; }

    public string? Host { get; set; }

    public string Description { get; set; } = "";
}
