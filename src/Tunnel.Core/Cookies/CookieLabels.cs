namespace Tunnel.Core.Cookies;

/// <summary>The labels that derive WireGuard's MAC and cookie keys from a public key (whitepaper section 5.4).</summary>
internal static class CookieLabels
{
    /// <summary>LABEL-MAC1: mac1 key = HASH(LABEL-MAC1 || receiver's static public key).</summary>
    internal static ReadOnlySpan<byte> Mac1 => "mac1----"u8;

    /// <summary>LABEL-COOKIE: cookie key = HASH(LABEL-COOKIE || cookie sender's static public key).</summary>
    internal static ReadOnlySpan<byte> Cookie => "cookie--"u8;

    /// <summary>A cookie or cookie secret is stale after this long (whitepaper section 6.1, Cookie-Refresh-Time).</summary>
    internal static readonly TimeSpan RefreshTime = TimeSpan.FromSeconds(120);

    internal static void DeriveKey(ReadOnlySpan<byte> label, ReadOnlySpan<byte> publicKey, Span<byte> key)
    {
        var hash = new Crypto.Blake2s();
        hash.AppendData(label);
        hash.AppendData(publicKey);
        hash.Finish(key);
    }
}
