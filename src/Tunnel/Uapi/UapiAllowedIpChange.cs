using System.Net;

namespace Tunnel.Uapi;

/// <summary>One <c>allowed_ip</c> line of a set operation: a prefix to add, or with a leading '-' to remove.</summary>
/// <param name="Prefix">The prefix, host bits cleared.</param>
/// <param name="Remove">Whether the line removes the prefix rather than adding it.</param>
public readonly record struct UapiAllowedIpChange(IPNetwork Prefix, bool Remove);
