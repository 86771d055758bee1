using System.Security.Cryptography;
using Tunnel.Core.Crypto;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Noise.Internal;

namespace Tunnel.Core.Protocol.Internal;

/// <summary>A peer's handshake in progress and the replay state that outlives it.</summary>
internal struct Handshake
{
    public HandshakeState State;
    public SymmetricState Noise;
    public Bytes32 LocalEphemeral;
    public Bytes32 RemoteEphemeral;
    public uint LocalIndex;
    public uint RemoteIndex;

    /// <summary>The newest initiation timestamp accepted from the peer: older or equal ones are replays.</summary>
    public Tai64N LastTimestamp;

    /// <summary>When we last accepted an initiation from the peer (at most one per 20 ms).</summary>
    public TimeSpan LastInitiationConsumed;
    public bool HasConsumedInitiation;

    /// <summary>When we last sent an initiation (a new one waits Rekey-Timeout unless it is a retry).</summary>
    public TimeSpan LastInitiationSent;
    public bool HasSentInitiation;

    public void Clear()
    {
        State = HandshakeState.Zeroed;
        Noise.Clear();
        CryptographicOperations.ZeroMemory(LocalEphemeral);
        CryptographicOperations.ZeroMemory(RemoteEphemeral);
        LocalIndex = 0;
        RemoteIndex = 0;
    }
}
