using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Tunnel.Net.Stack;

namespace Tunnel.Net;

/// <summary>
/// A UDP socket on the tunnel's side of a <see cref="TunnelNetwork"/>: bound to a port of the stack (any address of
/// the interface), sending and receiving datagrams through the tunnel. Datagrams that arrive while its receive queue
/// is full are dropped and counted, as a full socket buffer drops them.
/// </summary>
public sealed class TunnelUdpClient : IDisposable
{
    private readonly StackDevice _device;
    private readonly Receiver _receiver;
    private IPEndPoint? _lastSender;
    private int _disposed;

    internal TunnelUdpClient(StackDevice device, ushort port, int receiveCapacity)
    {
        _device = device;
        _receiver = new Receiver(receiveCapacity);
        ushort bound = device.BindUdp(port, _receiver);
        if (bound == 0)
        {
            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        }

        LocalPort = bound;
    }

    /// <summary>The port bound on the stack.</summary>
    public int LocalPort { get; }

    /// <summary>Datagrams dropped because the receive queue was full.</summary>
    public long ReceiveDrops => Interlocked.Read(ref _receiver.Drops);

    /// <summary>Sends one datagram through the tunnel, waiting while the queue towards the tunnel is full.</summary>
    /// <param name="datagram">The data.</param>
    /// <param name="remoteEndPoint">Where to.</param>
    /// <param name="cancellationToken">Cancels a wait for room.</param>
    /// <returns>A task that completes once the datagram is queued for the tunnel.</returns>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.MessageSize"/>: it does not fit the tunnel's MTU (the stack never fragments);
    /// <see cref="SocketError.AddressFamilyNotSupported"/>: the interface has no address of that family.
    /// </exception>
    public async ValueTask SendToAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remoteEndPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        byte[] destination = remoteEndPoint.Address.IsIPv4MappedToIPv6 ? remoteEndPoint.Address.MapToIPv4().GetAddressBytes() : remoteEndPoint.Address.GetAddressBytes();
        while (true)
        {
            switch (_device.SendUdp((ushort)LocalPort, destination, (ushort)remoteEndPoint.Port, datagram.Span))
            {
                case SendResult.Sent:
                    return;
                case SendResult.QueueFull:
                    await _device.WaitForRoomAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case SendResult.TooLarge:
                    throw new SocketException((int)SocketError.MessageSize);
                default:
                    throw new SocketException((int)SocketError.AddressFamilyNotSupported);
            }
        }
    }

    /// <summary>Receives the next datagram.</summary>
    /// <param name="buffer">Receives the data.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Its length and sender.</returns>
    /// <exception cref="SocketException"><see cref="SocketError.MessageSize"/>: the datagram was longer than <paramref name="buffer"/> (it is consumed, its start copied).</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async ValueTask<TunnelUdpReceiveResult> ReceiveFromAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Datagram datagram;
        try
        {
            datagram = await _receiver.Queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(TunnelUdpClient));
        }

        try
        {
            IPEndPoint sender = Sender(datagram);
            ReadOnlySpan<byte> payload = datagram.Payload;
            if (payload.Length > buffer.Length)
            {
                payload[..buffer.Length].CopyTo(buffer.Span);
                throw new SocketException((int)SocketError.MessageSize);
            }

            payload.CopyTo(buffer.Span);
            return new TunnelUdpReceiveResult(payload.Length, sender);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(datagram.Buffer);
        }
    }

    /// <summary>Releases the port; a pending receive ends with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _device.UnbindUdp((ushort)LocalPort, _receiver);
        _receiver.Queue.Writer.TryComplete();
        while (_receiver.Queue.Reader.TryRead(out Datagram left))
        {
            ArrayPool<byte>.Shared.Return(left.Buffer);
        }
    }

    /// <summary>The sender as an endpoint, the previous one's object when it is the same (a request and its answers), so steady traffic allocates none.</summary>
    private IPEndPoint Sender(in Datagram datagram)
    {
        ReadOnlySpan<byte> address = datagram.Address;
        if (_lastSender is { } last && last.Port == datagram.Port && AddressEquals(last.Address, address))
        {
            return last;
        }

        return _lastSender = new IPEndPoint(new IPAddress(address), datagram.Port);
    }

    private static bool AddressEquals(IPAddress address, ReadOnlySpan<byte> bytes)
    {
        Span<byte> ours = stackalloc byte[16];
        return address.TryWriteBytes(ours, out int written) && ours[..written].SequenceEqual(bytes);
    }

    /// <summary>A received datagram in a pooled buffer: the sender's address in the first 16 bytes, the data after them.</summary>
    private readonly record struct Datagram(byte[] Buffer, int AddressLength, ushort Port, int Length)
    {
        public ReadOnlySpan<byte> Address => Buffer.AsSpan(0, AddressLength);

        public ReadOnlySpan<byte> Payload => Buffer.AsSpan(16, Length);
    }

    /// <summary>The stack's side: called under the stack's lock, so it only copies and queues, never waits.</summary>
    private sealed class Receiver(int capacity) : IDatagramReceiver
    {
        public long Drops;

        public Channel<Datagram> Queue { get; } = Channel.CreateBounded<Datagram>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails, and the datagram is dropped and counted
            SingleWriter = true,
        });

        public bool TryReceive(ReadOnlySpan<byte> source, ushort sourcePort, ReadOnlySpan<byte> payload)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(16 + payload.Length);
            source.CopyTo(buffer);
            payload.CopyTo(buffer.AsSpan(16));
            if (Queue.Writer.TryWrite(new Datagram(buffer, source.Length, sourcePort, payload.Length)))
            {
                return true;
            }

            ArrayPool<byte>.Shared.Return(buffer);
            Interlocked.Increment(ref Drops);
            return false;
        }
    }
}
