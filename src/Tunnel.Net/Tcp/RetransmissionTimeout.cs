namespace Tunnel.Net.Tcp;

/// <summary>
/// The retransmission timeout of RFC 6298: SRTT and RTTVAR from round-trip samples (section 2), 1 s before the
/// first sample, doubled on each expiry (section 5.5) up to <see cref="Maximum"/>. Samples come only from segments
/// sent once (Karn's algorithm, section 3); the caller sees to that.
/// </summary>
/// <remarks>
/// The floor is <see cref="Minimum"/> (200 ms, as Linux's), not the 1 s that section 2.4 recommends: over a tunnel
/// whose round trips are milliseconds, a 1 s floor turns every tail loss into a second of silence, and RFC 6298
/// itself leaves the floor to the implementation's timer granularity and spurious-retransmission tolerance.
/// </remarks>
internal struct RetransmissionTimeout
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Minimum = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan Maximum = TimeSpan.FromSeconds(60);

    private long _smoothedTicks;
    private long _varianceTicks;
    private int _backoff;

    public TimeSpan SmoothedRoundTrip => TimeSpan.FromTicks(_smoothedTicks);

    public bool HasSample => _smoothedTicks > 0;

    /// <summary>The timeout now: SRTT + 4 RTTVAR, at least <see cref="Minimum"/>, doubled once per expiry since the last sample.</summary>
    public readonly TimeSpan Current
    {
        get
        {
            long ticks = _smoothedTicks == 0 ? Initial.Ticks : Math.Max(Minimum.Ticks, _smoothedTicks + Math.Max(TimeSpan.TicksPerMillisecond, 4 * _varianceTicks));
            for (int i = 0; i < _backoff && ticks < Maximum.Ticks; i++)
            {
                ticks *= 2;
            }

            return TimeSpan.FromTicks(Math.Min(ticks, Maximum.Ticks));
        }
    }

    /// <summary>Takes a round-trip sample (RFC 6298 section 2.2 and 2.3; alpha 1/8, beta 1/4), and ends any back-off.</summary>
    public void Sample(TimeSpan roundTrip)
    {
        long r = Math.Max(1, roundTrip.Ticks);
        if (_smoothedTicks == 0)
        {
            _smoothedTicks = r;
            _varianceTicks = r / 2;
        }
        else
        {
            _varianceTicks = (3 * _varianceTicks + Math.Abs(_smoothedTicks - r)) / 4;
            _smoothedTicks = (7 * _smoothedTicks + r) / 8;
        }

        _backoff = 0;
    }

    /// <summary>The timer expired: the next timeout is twice as long (section 5.5).</summary>
    public void BackOff() => _backoff = Math.Min(_backoff + 1, 16);
}
