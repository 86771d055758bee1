using Tunnel.Core.Protocol;

namespace Tunnel.Internal;

/// <summary>
/// Following the interface's MTU at run time (an administrator's <c>ip link set mtu</c>, up to a jumbo 65455):
/// the device takes the new limit at once, and when the MTU outgrows the packet buffers a larger pool replaces
/// the old one, each pump and worker moving to it at the top of its next iteration. Nothing is allocated per
/// packet; a change costs one pool.
/// </summary>
internal sealed partial class DeviceEngine
{
    /// <summary>
    /// Called by each pump before its next read or receive, so a batch is read and processed under one MTU and a
    /// pump that only receives still moves to larger buffers (the first datagram of the new size may already have
    /// been received into a smaller one, and is dropped as unauthentic; it is never delivered truncated).
    /// </summary>
    private void FollowMtu()
    {
        int reported = _tun.Mtu;
        if (reported == 0 || reported == Volatile.Read(ref _mtu))
        {
            return;
        }

        if (reported < 576)
        {
            // Below what WireGuard carries (and IPv6's 1280 anyway): keep the limit, packets above it are dropped.
            return;
        }

        int mtu = Math.Min(reported, Device.MaxMtu);
        lock (_gate)
        {
            int previous = _mtu;
            if (mtu == previous)
            {
                return; // the other pump got here first
            }

            _device.SetMtu(mtu);
            Volatile.Write(ref _mtu, mtu);
            if (mtu > _pool.MaxPacketSize)
            {
                var pool = new PacketBufferPool(mtu, _pool.Count);
                _controlTransmits = new TransmitBatch(pool.RentBatch(ControlSpares), ControlSpares);
                _pool = pool;
            }

            EngineLog.MtuChanged(_logger, Name, previous, mtu);
        }
    }
}
