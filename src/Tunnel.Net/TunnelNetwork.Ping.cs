using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Tunnel.Net.Stack;

namespace Tunnel.Net;

public sealed partial class TunnelNetwork
{
    /// <summary>The data an echo request carries: 32 bytes, as Windows' ping sends.</summary>
    private static readonly byte[] EchoData = [.. Enumerable.Range(0, 32).Select(i => (byte)('a' + (i % 23)))];

    private readonly Pinger _pinger;

    /// <summary>Sends an ICMP (or ICMPv6) echo request through the tunnel and waits for the reply.</summary>
    /// <param name="address">Whom to ping.</param>
    /// <param name="timeout">How long to wait for the reply.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The reply's status and round-trip time; <see cref="IPStatus.TimedOut"/> when none came in time.</returns>
    /// <exception cref="SocketException"><see cref="SocketError.AddressFamilyNotSupported"/>: the interface has no address of that family.</exception>
    public async Task<TunnelPingReply> PingAsync(IPAddress address, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        byte[] destination = address.IsIPv4MappedToIPv6 ? address.MapToIPv4().GetAddressBytes() : address.GetAddressBytes();
        (ushort sequence, Task reply) = _pinger.Expect(destination);
        try
        {
            long start = _time.GetTimestamp();
            while (true)
            {
                SendResult sent = _device.SendEchoRequest(destination, _pinger.Identifier, sequence, EchoData);
                if (sent == SendResult.Sent)
                {
                    break;
                }

                if (sent != SendResult.QueueFull)
                {
                    throw new SocketException((int)SocketError.AddressFamilyNotSupported);
                }

                await _device.WaitForRoomAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await reply.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
                return new TunnelPingReply(address, IPStatus.Success, _time.GetElapsedTime(start));
            }
            catch (TimeoutException)
            {
                return new TunnelPingReply(address, IPStatus.TimedOut, TimeSpan.Zero);
            }
        }
        finally
        {
            _pinger.Forget(sequence);
        }
    }

    /// <summary>The pings waiting for replies, by sequence number; replies come on the stack's side, under its lock.</summary>
    private sealed class Pinger : IEchoReplyReceiver
    {
        private readonly Dictionary<ushort, (byte[] Address, TaskCompletionSource Reply)> _pending = [];
        private ushort _sequence;

        /// <summary>This network's echo identifier, random so that replies meant for another pinger on the path are not taken.</summary>
        public ushort Identifier { get; } = (ushort)Random.Shared.Next(ushort.MaxValue + 1);

        public (ushort Sequence, Task Reply) Expect(byte[] address)
        {
            var reply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_pending)
            {
                // Sequence numbers wrap; one still waiting after 65,536 later pings is skipped.
                do
                {
                    _sequence++;
                }
                while (_pending.ContainsKey(_sequence));

                _pending[_sequence] = (address, reply);
                return (_sequence, reply.Task);
            }
        }

        public void Forget(ushort sequence)
        {
            lock (_pending)
            {
                _pending.Remove(sequence);
            }
        }

        public void OnEchoReply(ReadOnlySpan<byte> source, ushort identifier, ushort sequence)
        {
            TaskCompletionSource? reply = null;
            lock (_pending)
            {
                if (identifier == Identifier && _pending.TryGetValue(sequence, out var pending) && source.SequenceEqual(pending.Address))
                {
                    reply = pending.Reply;
                }
            }

            reply?.TrySetResult();
        }

        public void CancelAll()
        {
            lock (_pending)
            {
                foreach ((_, TaskCompletionSource reply) in _pending.Values)
                {
                    reply.TrySetException(new ObjectDisposedException(nameof(TunnelNetwork)));
                }
            }
        }
    }
}
