using System.Security.Cryptography;

namespace Tunnel.Core.Protocol;

/// <summary>Wiping every secret the device holds, when its driver stops for good.</summary>
public sealed partial class Device
{
    /// <summary>
    /// Wipes every secret the device holds: its private key (here and in the <see cref="DeviceOptions"/> it
    /// was created with), each peer's static-static DH result and preshared key, and every session and
    /// handshake. Call it when the device stops for good: afterwards it can neither handshake nor decrypt.
    /// </summary>
    public void ClearKeys()
    {
        _privateKey.Clear();
        _options.ClearPrivateKey();
        foreach (var peer in _peers.Values)
        {
            CryptographicOperations.ZeroMemory(peer.StaticStatic);
            peer.StaticStaticValid = false;
            peer.PresharedKeyValue.Clear();
            peer.ReleaseAllKeypairs();
            RemoveIndex(peer.Handshake.LocalIndex);
            peer.Handshake.Clear();
        }
    }
}
