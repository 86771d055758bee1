using System.Runtime.InteropServices;
using Tunnel.Core;
using Tunnel.Core.Protocol;

namespace Tunnel.Internal;

/// <summary>
/// Datagrams collected while the device lock is held and sent after it is released, grouped into runs
/// with one destination so a batch-capable socket sends each run in one call. Entries either point into a
/// pump's own buffers (sealed in place) or into this batch's spare buffers (handshakes, keepalives,
/// packets released by a handshake). A keepalive or released packet arrives with its seal still to run,
/// and <see cref="Flush"/> runs it, so no cipher runs under the lock either. Our own initiation arrives as a
/// job holding a spare buffer: the engine runs it outside the lock and completes it under the lock
/// (<see cref="RunInitiations"/>, <see cref="CompleteInitiations"/>) before the batch is sent.
/// </summary>
internal sealed class TransmitBatch
{
    private readonly Memory<byte>[] _spare;
    private readonly ReadOnlyMemory<byte>[] _datagrams;
    private readonly UdpEndpoint[] _destinations;
    private readonly SealJob[] _seals;
    private readonly HandshakeJob[] _initiations = new HandshakeJob[MaxInitiations];
    private readonly int[] _initiationSpares = new int[MaxInitiations];
    private int _initiationCount;
    private int _spareUsed;
    private bool _hasSeals;

    /// <summary>The most initiations one batch carries: a driver comes back for the rest, as for a full batch.</summary>
    public const int MaxInitiations = 8;

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

    /// <summary>Whether the batch can take an initiation's job: a spare buffer and a job slot are free.</summary>
    public bool CanDeferInitiation => HasSpare && _initiationCount < MaxInitiations && Count + _initiationCount < _datagrams.Length;

    /// <summary>Whether initiation jobs wait for <see cref="RunInitiations"/> and <see cref="CompleteInitiations"/>.</summary>
    public bool HasInitiations => _initiationCount > 0;

    /// <summary>Takes our initiation's job and holds the next spare buffer for its message.</summary>
    public void DeferInitiation(in HandshakeJob job)
    {
        _initiations[_initiationCount] = job;
        _initiationSpares[_initiationCount++] = _spareUsed++;
    }

    /// <summary>Runs the initiations' Diffie-Hellman work: outside the device lock.</summary>
    public void RunInitiations()
    {
        for (int i = 0; i < _initiationCount; i++)
        {
            _initiations[i].Run(default);
        }
    }

    /// <summary>Under the device lock: each initiation the device still wants goes into its buffer and the batch.</summary>
    public void CompleteInitiations(Device device, TimeSpan now)
    {
        for (int i = 0; i < _initiationCount; i++)
        {
            Memory<byte> buffer = _spare[_initiationSpares[i]];
            PacketResult result = device.ContinueHandshake(default, default, buffer.Span, ref _initiations[i], now);
            if (result.Action == PacketAction.WriteToNetwork)
            {
                Add(buffer[..result.Length], result.Endpoint);
            }
        }

        _initiationCount = 0;
    }

    /// <summary>Wipes initiation jobs that will not be completed (the engine stopping, or no socket to send on).</summary>
    public void DiscardInitiations()
    {
        for (int i = 0; i < _initiationCount; i++)
        {
            _initiations[i].Clear();
        }

        _initiationCount = 0;
    }

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
        if (_initiationCount > 0)
        {
            throw new InvalidOperationException("Initiation jobs are still to complete.");
        }

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
