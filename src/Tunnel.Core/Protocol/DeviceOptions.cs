using Tunnel.Core.Crypto;

namespace Tunnel.Core.Protocol;

/// <summary>The configuration of a <see cref="Device"/>.</summary>
public sealed record DeviceOptions
{
    private PrivateKey _privateKey;

    /// <summary>
    /// The device's static private key; none (all zeros, the default) makes a device that answers and sends
    /// nothing until <see cref="Device.SetPrivateKey"/> gives it one, as a fresh wireguard-go interface.
    /// </summary>
    public PrivateKey PrivateKey { get => _privateKey; init => _privateKey = value; }

    /// <summary>The tunnel MTU: the largest IP packet <see cref="Device.Encapsulate"/> accepts, and the padding cap. Default 1420.</summary>
    public int Mtu { get; init; } = 1420;

    /// <summary>How many packets per peer wait for a handshake before the oldest is dropped. Default 128, as wireguard-go.</summary>
    public int StagedPacketLimit { get; init; } = 128;

    /// <summary>
    /// The wall-clock time at device time zero. The core reads no clock: device time is the monotonic
    /// <see cref="TimeSpan"/> the driver passes in, and this offset turns it into the TAI64N timestamp
    /// an initiation carries. Default: the Unix epoch, which only tests should rely on.
    /// </summary>
    public DateTimeOffset WallClockAtZero { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>
    /// The handshake backlog (reported with <see cref="Device.ReportHandshakeBacklog"/>) at which the device
    /// is under load: it then demands MAC2 cookies and rate-limits per source for one second. Default 128,
    /// one eighth of wireguard-go's handshake queue.
    /// </summary>
    public int UnderLoadBacklog { get; init; } = 128;

    /// <summary>Sources tracked by the handshake rate limiter. Default 4096.</summary>
    public int RateLimiterCapacity { get; init; } = 4096;

    /// <summary>Wipes the key this object holds (<see cref="Device.ClearKeys"/> calls it on the options it was made with).</summary>
    internal void ClearPrivateKey() => _privateKey.Clear();
}
