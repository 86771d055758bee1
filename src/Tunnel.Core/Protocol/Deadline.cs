namespace Tunnel.Core.Protocol;

/// <summary>When the device next wants <see cref="Device.HandleTimeout"/>, and for which timer.</summary>
/// <param name="Time">The device time; <see cref="TimeSpan.MaxValue"/> when no timer is armed.</param>
/// <param name="Reason">The timer that falls due first.</param>
/// <param name="Peer">The peer whose timer it is, if any.</param>
public readonly record struct Deadline(TimeSpan Time, DeadlineReason Reason, Peer? Peer);
