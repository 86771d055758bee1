using System.Buffers.Binary;

namespace Tunnel.Core.Crypto;

/// <summary>
/// A TAI64N timestamp (whitepaper section 5.4.2): 8 bytes of big-endian seconds labelled from 2^62, then
/// 4 bytes of big-endian nanoseconds. A responder accepts an initiation only if its timestamp is greater
/// than the last one it saw from that peer, so comparing two values is comparing their 12 bytes.
/// </summary>
/// <remarks>
/// The core reads no clock: callers build a timestamp from a wall-clock time they pass in.
/// </remarks>
internal readonly struct Tai64N : IEquatable<Tai64N>, IComparable<Tai64N>
{
    /// <summary>The encoded size, in bytes.</summary>
    public const int Size = 12;

    /// <summary>
    /// The label of the Unix epoch: 2^62 plus the 10 seconds by which TAI led UTC in 1970, the base the
    /// Linux kernel and wireguard-go use.
    /// </summary>
    public const ulong UnixEpochSeconds = 0x400000000000000A;

    /// <summary>
    /// The granularity, in nanoseconds, to which <see cref="ForHandshake"/> rounds down (2^24 ns, about
    /// 16.8 ms): fine enough for WireGuard's limit of 50 initiations per second, coarse enough not to
    /// reveal the sender's clock precisely. The kernel and wireguard-go round the same way.
    /// </summary>
    public const uint HandshakeGranularityNanoseconds = 1u << 24;

    private const uint NanosecondsPerSecond = 1_000_000_000;

    /// <summary>Creates a timestamp from its two fields.</summary>
    /// <param name="seconds">The TAI64 label: seconds since 1970 plus <see cref="UnixEpochSeconds"/>.</param>
    /// <param name="nanoseconds">Nanoseconds within the second, below 10^9.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nanoseconds"/> is 10^9 or more.</exception>
    public Tai64N(ulong seconds, uint nanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(nanoseconds, NanosecondsPerSecond);
        Seconds = seconds;
        Nanoseconds = nanoseconds;
    }

    /// <summary>The TAI64 label: seconds since 1970 plus <see cref="UnixEpochSeconds"/>.</summary>
    public ulong Seconds { get; }

    /// <summary>Nanoseconds within the second.</summary>
    public uint Nanoseconds { get; }

    /// <summary>Converts a wall-clock time exactly, to the 100 ns resolution of <see cref="DateTimeOffset"/>.</summary>
    /// <param name="time">A wall-clock time at or after 1970-01-01.</param>
    /// <returns>The timestamp.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="time"/> is before the Unix epoch.</exception>
    public static Tai64N FromDateTimeOffset(DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        ArgumentOutOfRangeException.ThrowIfNegative(ticks, nameof(time));
        ulong seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        uint nanoseconds = (uint)(ticks % TimeSpan.TicksPerSecond) * (uint)TimeSpan.NanosecondsPerTick;
        return new Tai64N(UnixEpochSeconds + seconds, nanoseconds);
    }

    /// <summary>
    /// The timestamp a handshake initiation carries for <paramref name="now"/>: nanoseconds rounded down to
    /// <see cref="HandshakeGranularityNanoseconds"/>.
    /// </summary>
    /// <param name="now">The current wall-clock time.</param>
    /// <returns>The rounded timestamp.</returns>
    public static Tai64N ForHandshake(DateTimeOffset now)
    {
        Tai64N exact = FromDateTimeOffset(now);
        return new Tai64N(exact.Seconds, exact.Nanoseconds & ~(HandshakeGranularityNanoseconds - 1));
    }

    /// <summary>Reads a timestamp from its 12-byte encoding.</summary>
    /// <param name="source">At least 12 bytes; the first 12 are read.</param>
    /// <param name="timestamp">The timestamp, when the method returns <see langword="true"/>.</param>
    /// <returns><see langword="false"/> when <paramref name="source"/> is too short or the nanoseconds are 10^9 or more.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out Tai64N timestamp)
    {
        timestamp = default;
        if (source.Length < Size)
        {
            return false;
        }

        uint nanoseconds = BinaryPrimitives.ReadUInt32BigEndian(source[8..]);
        if (nanoseconds >= NanosecondsPerSecond)
        {
            return false;
        }

        timestamp = new Tai64N(BinaryPrimitives.ReadUInt64BigEndian(source), nanoseconds);
        return true;
    }

    /// <summary>Writes the 12-byte encoding.</summary>
    /// <param name="destination">At least 12 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"A TAI64N timestamp is {Size} bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, Seconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Nanoseconds);
    }

    /// <summary>Converts back to a wall-clock time, truncated to 100 ns.</summary>
    /// <returns>The time, in UTC.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The timestamp is outside the range of <see cref="DateTimeOffset"/>.</exception>
    public DateTimeOffset ToDateTimeOffset()
    {
        if (Seconds < UnixEpochSeconds || Seconds - UnixEpochSeconds > (ulong)(DateTimeOffset.MaxValue.ToUnixTimeSeconds()))
        {
            throw new ArgumentOutOfRangeException(nameof(Seconds), "The timestamp is outside the range of DateTimeOffset.");
        }

        long ticks = ((long)(Seconds - UnixEpochSeconds) * TimeSpan.TicksPerSecond) + (Nanoseconds / TimeSpan.NanosecondsPerTick);
        return DateTimeOffset.UnixEpoch.AddTicks(ticks);
    }

    /// <inheritdoc/>
    public int CompareTo(Tai64N other)
    {
        int bySeconds = Seconds.CompareTo(other.Seconds);
        return bySeconds != 0 ? bySeconds : Nanoseconds.CompareTo(other.Nanoseconds);
    }

    /// <inheritdoc/>
    public bool Equals(Tai64N other) => Seconds == other.Seconds && Nanoseconds == other.Nanoseconds;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Tai64N other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Seconds, Nanoseconds);

    /// <summary>The timestamp as TAI64N's conventional text: '@' and 24 hex digits.</summary>
    /// <returns>For example <c>@400000005f5e10000000000a</c>.</returns>
    public override string ToString() => $"@{Seconds:x16}{Nanoseconds:x8}";

    /// <summary>Whether two timestamps are equal.</summary>
    /// <param name="left">A timestamp.</param>
    /// <param name="right">Another timestamp.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(Tai64N left, Tai64N right) => left.Equals(right);

    /// <summary>Whether two timestamps differ.</summary>
    /// <param name="left">A timestamp.</param>
    /// <param name="right">Another timestamp.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(Tai64N left, Tai64N right) => !left.Equals(right);

    /// <summary>Whether <paramref name="left"/> is earlier than <paramref name="right"/>.</summary>
    /// <param name="left">A timestamp.</param>
    /// <param name="right">Another timestamp.</param>
    /// <returns>Whether <paramref name="left"/> is earlier.</returns>
    public static bool operator <(Tai64N left, Tai64N right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> is later than <paramref name="right"/>.</summary>
    /// <param name="left">A timestamp.</param>
    /// <param name="right">Another timestamp.</param>
    /// <returns>Whether <paramref name="left"/> is later.</returns>
    public static bool operator >(Tai64N left, Tai64N right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> is earlier than or equal to <paramref name="right"/>.</summary>
    /// <param name="left">A timestamp.</param>
    /// <param name="right">Another timestamp.</param>
    /// <returns>Whether <paramref name="left"/> is not later.</returns>
    public static bool operator <=(Tai64N left, Tai64N right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> is later than or equal to <paramref name="right"/>.</summary>
    /// <param name="left">A timestamp.</param>
    /// <param name="right">Another timestamp.</param>
    /// <returns>Whether <paramref name="left"/> is not earlier.</returns>
    public static bool operator >=(Tai64N left, Tai64N right) => left.CompareTo(right) >= 0;
}
