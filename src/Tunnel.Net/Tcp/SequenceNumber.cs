namespace Tunnel.Net.Tcp;

/// <summary>Comparisons of 32-bit sequence numbers modulo 2^32 (RFC 9293 section 3.4): a is before b when b - a, as a signed number, is positive.</summary>
internal static class SequenceNumber
{
    public static bool Before(uint a, uint b) => (int)(a - b) < 0;

    public static bool BeforeOrEqual(uint a, uint b) => (int)(a - b) <= 0;

    public static bool After(uint a, uint b) => (int)(a - b) > 0;

    public static bool AfterOrEqual(uint a, uint b) => (int)(a - b) >= 0;

    /// <summary>Whether <paramref name="value"/> lies in [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>).</summary>
    public static bool InWindow(uint value, uint start, uint length) => value - start < length;
}
