namespace Tunnel.Core.Protocol.Internal;

/// <summary>
/// The random part of the handshake timers (whitepaper section 6.1: Rekey-Timeout plus up to 333 ms), from a
/// SplitMix64 sequence seeded once from the device's entropy. The jitter only keeps peers from retrying in
/// lockstep and needs no secrecy; drawn from the entropy source, it was a call into the system's
/// cryptographic generator (OpenSSL's <c>RAND_bytes</c>, with its lock) on every data send that followed a
/// receive, which in a TCP stream is nearly every batch.
/// </summary>
internal struct RetryJitter
{
    private ulong _state;
    private bool _seeded;

    /// <summary>A delay in [0, <paramref name="maxMilliseconds"/>) ms; the first call seeds from <paramref name="entropy"/>.</summary>
    public TimeSpan Next(IEntropySource entropy, int maxMilliseconds)
    {
        if (!_seeded)
        {
            Span<byte> seed = stackalloc byte[8];
            entropy.Fill(seed);
            _state = BitConverter.ToUInt64(seed);
            _seeded = true;
        }

        _state += 0x9E37_79B9_7F4A_7C15;
        ulong value = _state;
        value = (value ^ (value >> 30)) * 0xBF58_476D_1CE4_E5B9;
        value = (value ^ (value >> 27)) * 0x94D0_49BB_1331_11EB;
        value ^= value >> 31;
        return TimeSpan.FromMilliseconds((double)(value % (ulong)maxMilliseconds));
    }
}
