using System.Security.Cryptography;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Sessions.Internal;

namespace Tunnel.Core.Protocol.Internal;

/// <summary>
/// The transport keys of one session (whitepaper section 5.4.5) with its send counter and replay window.
/// Each peer owns three of these and recycles them, so a handshake allocates nothing.
/// </summary>
internal sealed class Keypair
{
    public Bytes32 SendKey;
    public Bytes32 ReceiveKey;
    public ReplayWindow Replay;
    public ulong SendCounter;
    public TimeSpan Created;
    public uint LocalIndex;
    public uint RemoteIndex;
    public bool IsInitiator;

    /// <summary>Whether the keypair can still send: younger than Reject-After-Time and under Reject-After-Messages.</summary>
    public bool CanSend(TimeSpan now) => now - Created < ProtocolTimings.RejectAfterTime && SendCounter < ProtocolTimings.RejectAfterMessages;

    public void Clear()
    {
        CryptographicOperations.ZeroMemory(SendKey);
        CryptographicOperations.ZeroMemory(ReceiveKey);
        Replay.Reset();
        SendCounter = 0;
        LocalIndex = 0;
        RemoteIndex = 0;
        IsInitiator = false;
    }
}
