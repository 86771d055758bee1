using System.Net.Sockets;
using Tunnel.Uapi;

namespace Tunnel.Internal;

/// <summary>Configuration while running: changes applied whole or not at all, and snapshots of what is configured.</summary>
internal sealed partial class DeviceEngine
{
    /// <summary>
    /// Applies a change. A new port or mark is bound first, so a port in use fails the change before anything
    /// else changes; then the checks run and the keys and peers change under the device lock, so the pumps see
    /// the old configuration or the new one, never half of it.
    /// </summary>
    /// <param name="change">The change, in the terms of a UAPI set operation (which every change can be written as).</param>
    /// <param name="refuseTakenAllowedIps">
    /// Refuse a prefix that another peer holds and keeps, instead of moving it as <c>wg set</c> does.
    /// </param>
    /// <exception cref="SocketException">The new port or mark cannot be bound.</exception>
    /// <exception cref="ArgumentException">The change conflicts with the configuration; nothing changed.</exception>
    public void Configure(UapiSetRequest change, bool refuseTakenAllowedIps = false)
    {
        lock (_configurationGate)
        {
            IDatagramSocket? replacement = null;
            ushort port = change.ListenPort ?? ListenPort;
            uint mark = change.FwMark ?? _firewallMark;
            uint previousMark = _firewallMark;
            IDatagramSocket? current = _socket;
            bool rebind = current is not null && change.ListenPort is { } wanted && wanted != ListenPort;
            bool remark = current is not null && !rebind && mark != _firewallMark;
            try
            {
                if (rebind)
                {
                    replacement = _socketFactory.Bind(port, mark);
                }
                else if (remark)
                {
                    current!.SetFirewallMark(mark); // the same socket: binding another to its port would fail
                }
            }
            catch (SocketException socketError)
            {
                string reason = $"cannot listen on UDP port {port} with firewall mark {mark}: {socketError.Message}";
                EngineLog.ConfigurationRefused(_logger, socketError.SocketErrorCode == SocketError.AddressAlreadyInUse ? UapiErrno.AddressInUse : UapiErrno.IOError, reason);
                throw new SocketException((int)socketError.SocketErrorCode, reason);
            }

            lock (_gate)
            {
                TimeSpan now = Now;
                string? conflict = refuseTakenAllowedIps ? FindTakenAllowedIp(change) : null;
                if (conflict is not null || !UapiDevice.TryApply(_device, change, now, out int errno, out conflict))
                {
                    replacement?.Dispose();
                    if (remark)
                    {
                        current!.SetFirewallMark(previousMark);
                    }

                    EngineLog.ConfigurationRefused(_logger, UapiErrno.InvalidArgument, conflict ?? "refused");
                    throw new ArgumentException(conflict ?? "The change was refused.", nameof(change));
                }

                if (change.PrivateKey is { } privateKey)
                {
                    _privateKey = privateKey;
                }

                _firewallMark = mark;
                if (replacement is not null)
                {
                    _socket = replacement;
                    current?.Dispose(); // the inbound pump sees the swap and moves to the new socket
                    _device.ClearEndpointLocalAddresses(); // what the old socket learned may not hold for the new one
                    EngineLog.Rebound(_logger, replacement.Port);
                }

                AfterDeviceCalls(now);
            }

            SendControlTransmits(); // what the change queued (a keepalive turned on, an initiation), sent outside the lock
        }
    }

    /// <summary>
    /// Builds a change from the running configuration and applies it, with no other change between the two:
    /// the way every typed change of <see cref="TunnelHost"/> comes in.
    /// </summary>
    public void ConfigureWith(Func<RunningConfiguration, UapiSetRequest> build, bool refuseTakenAllowedIps = false)
    {
        lock (_configurationGate) // re-entered by Configure: a Lock is recursive
        {
            RunningConfiguration running;
            lock (_gate)
            {
                running = new RunningConfiguration(_device.Peers.Select(peer => peer.PublicKey).ToHashSet(), _device.HasPrivateKey ? _device.PublicKey : null, ListenPort);
            }

            Configure(build(running), refuseTakenAllowedIps);
        }
    }

    /// <summary>
    /// Under the device lock: the first prefix the change gives a peer while another peer holds it and is
    /// neither removed nor giving it up in the same change; null when there is none.
    /// </summary>
    private string? FindTakenAllowedIp(UapiSetRequest change)
    {
        if (change.ReplacePeers)
        {
            return null; // every current holder goes first
        }

        var removed = change.Peers.Where(update => update.Remove).Select(update => update.PublicKey).ToHashSet();
        var released = change.Peers.Where(update => update.ReplaceAllowedIps).Select(update => update.PublicKey).ToHashSet();
        var holders = _device.AllowedIps.GetEntries().ToDictionary(entry => entry.Key, entry => entry.Value);
        foreach (var update in change.Peers.Where(update => !update.Remove))
        {
            foreach (var added in update.AllowedIps.Where(entry => !entry.Remove))
            {
                if (holders.TryGetValue(added.Prefix, out var holder)
                    && holder.PublicKey != update.PublicKey
                    && !removed.Contains(holder.PublicKey)
                    && !released.Contains(holder.PublicKey))
                {
                    return $"{added.Prefix} is an allowed IP of peer {holder.PublicKey}; remove it there first";
                }
            }
        }

        return null;
    }

    /// <summary>What a get request reports, keys included, read under the device lock: for the UAPI only.</summary>
    public UapiDeviceState GetState()
    {
        lock (_gate)
        {
            UapiDeviceState state = UapiDevice.ReadState(_device, _privateKey, ListenPort, _firewallMark, WallClockAtZero);
            return _device.HasPrivateKey ? state : state with { PrivateKey = null };
        }
    }
}

/// <summary>What a typed change is computed from: the peers configured, the interface's public key, the port.</summary>
internal readonly record struct RunningConfiguration(IReadOnlySet<Tunnel.Core.Crypto.PublicKey> Peers, Tunnel.Core.Crypto.PublicKey? PublicKey, ushort ListenPort);
