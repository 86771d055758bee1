namespace Tunnel.Core.Protocol;

/// <summary>Something that happened to a peer, for logs and metrics; drained with <see cref="Device.TryDequeueEvent"/>.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Peer">To whom.</param>
/// <param name="Time">The device time it happened.</param>
public readonly record struct DeviceEvent(DeviceEventKind Kind, Peer Peer, TimeSpan Time);
