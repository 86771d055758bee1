using Tunnel.Core;

namespace Tunnel.Platform.Linux.Internal;

/// <summary>
/// For each peer endpoint, the local address its last datagram was sent to, so that replies leave from
/// that address (on a host with several addresses the kernel would otherwise pick one by route, and the
/// peer would see answers from an address it never wrote to). A fixed table of <see cref="Capacity"/>
/// slots indexed by the endpoint's hash: a collision replaces the older entry, which costs only the
/// kernel's choice of source for that peer until its next datagram; nothing is allocated after creation.
/// </summary>
internal sealed class StickySources
{
    public const int Capacity = 1024;

    private readonly Entry[] _entries = new Entry[Capacity];
    private readonly Lock _gate = new();

    /// <summary>Records that <paramref name="remote"/> wrote to <paramref name="local"/>.</summary>
    public void Remember(UdpEndpoint remote, in LocalAddress local)
    {
        ref Entry entry = ref _entries[Slot(remote)];
        lock (_gate)
        {
            entry.Remote = remote;
            entry.Local = local;
            entry.Used = true;
        }
    }

    /// <summary>The local address <paramref name="remote"/> last wrote to.</summary>
    public bool TryGet(UdpEndpoint remote, out LocalAddress local)
    {
        ref Entry entry = ref _entries[Slot(remote)];
        lock (_gate)
        {
            local = entry.Local;
            return entry.Used && entry.Remote == remote;
        }
    }

    /// <summary>Forgets <paramref name="remote"/>'s address, after the kernel refused to send from it (it was removed).</summary>
    public void Forget(UdpEndpoint remote)
    {
        ref Entry entry = ref _entries[Slot(remote)];
        lock (_gate)
        {
            if (entry.Remote == remote)
            {
                entry.Used = false;
            }
        }
    }

    private static int Slot(UdpEndpoint remote) => (int)((uint)remote.GetHashCode() % Capacity);

    private struct Entry
    {
        public UdpEndpoint Remote;
        public LocalAddress Local;
        public bool Used;
    }
}

/// <summary>A local address a datagram arrived on, and the interface (needed for IPv6 link-local addresses).</summary>
internal struct LocalAddress : IEquatable<LocalAddress>
{
    public bool IsIPv6;
    public int InterfaceIndex;
    public Address16 Bytes;

    public readonly bool Equals(LocalAddress other) =>
        IsIPv6 == other.IsIPv6 && InterfaceIndex == other.InterfaceIndex && ((ReadOnlySpan<byte>)Bytes).SequenceEqual(other.Bytes);

    public override readonly bool Equals(object? obj) => obj is LocalAddress other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(IsIPv6, InterfaceIndex, ((ReadOnlySpan<byte>)Bytes)[0], ((ReadOnlySpan<byte>)Bytes)[^1]);

    [System.Runtime.CompilerServices.InlineArray(16)]
    public struct Address16
    {
        private byte _first;
    }
}
