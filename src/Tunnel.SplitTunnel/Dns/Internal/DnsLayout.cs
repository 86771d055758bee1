namespace Tunnel.Dns.Internal;

/// <summary>Where the sections of a validated message begin, so that reading one never walks the others again.</summary>
/// <param name="Answers">The offset of the answer section.</param>
/// <param name="Authorities">The offset of the authority section.</param>
/// <param name="Additionals">The offset of the additional section.</param>
/// <param name="Opt">The offset of the OPT record's TYPE field, or 0 when the message has no OPT record.</param>
internal readonly record struct DnsLayout(int Answers, int Authorities, int Additionals, int Opt);
