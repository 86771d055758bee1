using System.Runtime.InteropServices;
using Tunnel.Core;
using Tunnel.Core.Protocol;

namespace Tunnel.Internal;

/// <summary>
/// Datagrams collected while the device lock is held and sent after it is released, grouped into runs
/// with one destination so a batch-capable socket sends each run in one call. Entries either point into a
/// pump's own buffers (sealed in place) or into this batch's spare buffers (handshakes, keepalives,
/// packets released by a handshake). A keepalive or released packet arrives with its seal still to run,
/// and <see cref="Flush"/> runs it, so no cipher runs under the lock either.
/// </summary>
internal sealed class TransmitBatch
{
    private readonly Memory<byte>[] _spare;
    private readonly ReadOnlyMemory<byte>[] _datagrams;
    private readonly UdpEndpoint[] _destinations;
    private readonly SealJob[] _seals;
    private int _spareUsed;
    private bool _hasSeals;

    public TransmitBatch(Memory<byte>[] spare, int capacity)
    {
        _spare = spare;
        _datagrams = new ReadOnlyMemory<byte>[capacity];
        _destinations = new UdpEndpoint[capacity];
        _seals = new SealJob[capacity];
    }

    public int Count { get; private set; }

    public bool IsFull => Count == _datagrams.Length;

    public bool HasSpare => _spareUsed < _spare.Length && !IsFull;

    /// <summary>The next spare buffer, to write a datagram into before <see cref="CommitSpare(int, UdpEndpoint)"/>.</summary>
    public Memory<byte> PeekSpare() => _spare[_spareUsed];

    public void CommitSpare(int length, UdpEndpoint destination) => Add(_spare[_spareUsed++][..length], destination);

    /// <summary>Commits the spare buffer holding a transport message whose seal <paramref name="seal"/> still has to run.</summary>
    public void CommitSpare(int length, UdpEndpoint destination, in SealJob seal)
    {
        if (seal.IsPending)
        {
            _seals[Count] = seal;
            _hasSeals = true;
        }

        CommitSpare(length, destination);
    }

    public void Add(ReadOnlyMemory<byte> datagram, UdpEndpoint destination)
    {
        _datagrams[Count] = datagram;
        _destinations[Count] = destination;
        Count++;
    }

    /// <summary>Sends everything, one socket call per run of equal destinations, and empties the batch.</summary>
    /// <returns>The datagrams and bytes handed to the network.</returns>
    public (int Datagrams, long Bytes) Flush(IDatagramSocket socket)
    {
        if (_hasSeals)
        {
            SealPending();
        }

        int sent = 0;
        long bytes = 0;
        int start = 0;
        while (start < Count)
        {
            int end = start + 1;
            while (end < Count && _destinations[end] == _destinations[start])
            {
                end++;
            }

            int accepted = socket.Send(_datagrams.AsSpan(start, end - start), _destinations[start]);
            sent += accepted;
            for (int i = start; i < start + accepted; i++)
            {
                bytes += _datagrams[i].Length;
            }

            start = end;
        }

        _datagrams.AsSpan(0, Count).Clear();
        Count = 0;
        _spareUsed = 0;
        return (sent, bytes);
    }

    /// <summary>Runs the seals still to run, in order (each wipes its key copy).</summary>
    private void SealPending()
    {
        for (int i = 0; i < Count; i++)
        {
            if (_seals[i].IsPending)
            {
                _seals[i].Seal(MemoryMarshal.AsMemory(_datagrams[i]).Span);
            }
        }

        _hasSeals = false;
    }
}
