using Microsoft.Extensions.Logging;
using Tunnel.Core;
using Tunnel.Core.Protocol;

namespace Tunnel.Internal;

/// <summary>The engine's log messages, generated so that a disabled level costs a flag check and no allocation.</summary>
internal static partial class EngineLog
{
    [LoggerMessage(1, LogLevel.Information, "Interface {Interface} is up, listening on UDP port {Port}")]
    public static partial void Started(ILogger logger, string @interface, ushort port);

    [LoggerMessage(2, LogLevel.Information, "Interface {Interface} is down")]
    public static partial void Stopped(ILogger logger, string @interface);

    [LoggerMessage(3, LogLevel.Debug, "Handshake completed with {Peer}")]
    public static partial void HandshakeCompleted(ILogger logger, Peer peer);

    [LoggerMessage(4, LogLevel.Information, "Handshake with {Peer} did not complete after 18 attempts; its queued packets are dropped")]
    public static partial void HandshakeGaveUp(ILogger logger, Peer peer);

    [LoggerMessage(5, LogLevel.Debug, "{Peer} roamed to {Endpoint}")]
    public static partial void EndpointChanged(ILogger logger, Peer peer, UdpEndpoint endpoint);

    [LoggerMessage(6, LogLevel.Debug, "Key material of {Peer} zeroed after 540 s without a new handshake")]
    public static partial void KeyMaterialZeroed(ILogger logger, Peer peer);

    [LoggerMessage(7, LogLevel.Error, "The {Pump} pump of {Interface} failed; the interface stops")]
    public static partial void PumpFailed(ILogger logger, Exception exception, string pump, string @interface);

    [LoggerMessage(8, LogLevel.Warning, "A configuration change was refused with errno {Errno}: {Reason}")]
    public static partial void ConfigurationRefused(ILogger logger, int errno, string reason);

    [LoggerMessage(9, LogLevel.Information, "Listening on UDP port {Port} now")]
    public static partial void Rebound(ILogger logger, ushort port);

    [LoggerMessage(10, LogLevel.Information, "The MTU of {Interface} changed from {Previous} to {Mtu}")]
    public static partial void MtuChanged(ILogger logger, string @interface, int previous, int mtu);
}
