using System.Buffers.Binary;

namespace Tunnel.Dns;

/// <summary>
/// DNS over TCP (RFC 1035 section 4.2.2, RFC 7766 section 8): each message is preceded by its length as a
/// 2-byte big-endian integer.
/// </summary>
public static class DnsTcpFraming
{
    /// <summary>The size of the length prefix.</summary>
    public const int PrefixLength = 2;

    /// <summary>The longest message the prefix can describe.</summary>
    public const int MaxMessageLength = ushort.MaxValue;

    /// <summary>Reads a length prefix.</summary>
    /// <param name="source">The bytes received so far, starting at a prefix.</param>
    /// <param name="length">The length of the message that follows the prefix, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether <paramref name="source"/> holds the whole prefix.</returns>
    public static bool TryReadLength(ReadOnlySpan<byte> source, out int length)
    {
        if (source.Length < PrefixLength)
        {
            length = 0;
            return false;
        }

        length = BinaryPrimitives.ReadUInt16BigEndian(source);
        return true;
    }

    /// <summary>Finds a whole framed message at the start of the bytes received so far.</summary>
    /// <param name="source">The bytes received so far, starting at a prefix.</param>
    /// <param name="message">The message without its prefix, when the method returns <see langword="true"/>; it ends <see cref="PrefixLength"/> + its length bytes into <paramref name="source"/>.</param>
    /// <returns>Whether the prefix and the whole message have arrived.</returns>
    public static bool TryReadMessage(ReadOnlySpan<byte> source, out ReadOnlySpan<byte> message)
    {
        if (!TryReadLength(source, out int length) || source.Length - PrefixLength < length)
        {
            message = default;
            return false;
        }

        message = source.Slice(PrefixLength, length);
        return true;
    }

    /// <summary>Writes a length prefix.</summary>
    /// <param name="destination">At least <see cref="PrefixLength"/> bytes.</param>
    /// <param name="length">The length of the message that follows, 0 to <see cref="MaxMessageLength"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> does not fit the prefix, or <paramref name="destination"/> is too small.</exception>
    public static void WriteLength(Span<byte> destination, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxMessageLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)length);
    }
}
