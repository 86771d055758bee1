using Tunnel.Core.Crypto;

namespace Tunnel.Fuzz.Targets;

/// <summary>The TAI64N timestamp inside a decrypted handshake initiation.</summary>
internal sealed class Tai64NTarget : IFuzzTarget
{
    public string Name => "tai64n";

    public void Run(ReadOnlySpan<byte> data)
    {
        if (!Tai64N.TryRead(data, out var timestamp))
        {
            return;
        }

        Span<byte> written = stackalloc byte[Tai64N.Size];
        timestamp.WriteTo(written);
        if (!written.SequenceEqual(data[..Tai64N.Size]))
        {
            throw new FuzzInvariantException("timestamp does not round-trip");
        }
    }
}
