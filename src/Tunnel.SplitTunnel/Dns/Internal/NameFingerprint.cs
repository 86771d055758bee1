namespace Tunnel.Dns.Internal;

/// <summary>
/// A 64-bit FNV-1a hash of a name's labels, letters folded, so that equal names hash alike. Matching a record's
/// owner against the names of a chain then walks the owner once instead of once per name: a hostile answer of
/// thousands of records whose 127-label owners differ from a chain name only in their last label costs one walk
/// each. A collision only costs a full comparison, never a wrong answer.
/// </summary>
internal static class NameFingerprint
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    internal static ulong Compute(DnsName name)
    {
        var labels = name.Labels();
        ulong hash = OffsetBasis;
        while (labels.TryRead(out ReadOnlySpan<byte> label))
        {
            hash = (hash ^ (uint)label.Length) * Prime;
            foreach (byte value in label)
            {
                hash = (hash ^ DnsWire.ToLower(value)) * Prime;
            }
        }

        return hash;
    }
}
