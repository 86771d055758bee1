using System.Net.Sockets;
using Tunnel.Uapi;

namespace Tunnel.Internal;

/// <summary>Configuration while running: UAPI set requests, applied whole or not at all, and get snapshots.</summary>
internal sealed partial class DeviceEngine
{
    /// <summary>
    /// Applies a set request. A new port or mark is bound first, so a port in use fails the request
    /// (<c>EADDRINUSE</c>) before anything else changes; then the peers change under the device lock, so
    /// the pumps see the old configuration or the new one, never half of it.
    /// </summary>
    public bool TryConfigure(UapiSetRequest request, out int errno, out string? error)
    {
        lock (_configurationGate)
        {
            IDatagramSocket? replacement = null;
            ushort port = request.ListenPort ?? ListenPort;
            uint mark = request.FwMark ?? _firewallMark;
            uint previousMark = _firewallMark;
            IDatagramSocket? current = _socket;
            bool rebind = current is not null && request.ListenPort is { } wanted && wanted != ListenPort;
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
                errno = socketError.SocketErrorCode == SocketError.AddressAlreadyInUse ? UapiErrno.AddressInUse : UapiErrno.IOError;
                error = $"cannot listen on UDP port {port} with mark {mark}: {socketError.Message}";
                EngineLog.ConfigurationRefused(_logger, errno, error);
                return false;
            }

            lock (_gate)
            {
                TimeSpan now = Now;
                if (!UapiDevice.TryApply(_device, request, now, out errno, out error))
                {
                    replacement?.Dispose();
                    if (remark)
                    {
                        current!.SetFirewallMark(previousMark);
                    }

                    EngineLog.ConfigurationRefused(_logger, errno, error ?? "refused");
                    return false;
                }

                if (request.PrivateKey is { } privateKey)
                {
                    _privateKey = privateKey;
                    _hasPrivateKey = true;
                }

                _firewallMark = mark;
                if (replacement is not null)
                {
                    _socket = replacement;
                    current?.Dispose(); // the inbound pump sees the swap and moves to the new socket
                    EngineLog.Rebound(_logger, replacement.Port);
                }

                DrainTransmits(_controlTransmits, now);
                AfterDeviceCalls(now);
                Flush(_controlTransmits);
            }

            return true;
        }
    }

    /// <summary>What a get request reports, read under the device lock.</summary>
    public UapiDeviceState GetState()
    {
        lock (_gate)
        {
            UapiDeviceState state = UapiDevice.ReadState(_device, _privateKey, ListenPort, _firewallMark, WallClockAtZero);
            return _hasPrivateKey ? state : state with { PrivateKey = null };
        }
    }
}
