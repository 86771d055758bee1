namespace Tunnel.Core.Protocol;

/// <summary>
/// Packets waiting for a session: a bounded ring of buffers, each allocated the first time the queue grows
/// that deep and reused after, so steady state allocates nothing and a peer holds only as many buffers as
/// its deepest backlog. When full, the oldest packet makes room.
/// </summary>
public sealed partial class Peer
{
    private byte[][]? _staged;
    private int[]? _stagedLengths;
    private int _stagedHead;
    private int _stagedCount;

    /// <summary>Packets waiting for a session.</summary>
    public int StagedPacketCount => _stagedCount;

    /// <summary>Whether the driver should be handed one of the staged packets the next time it asks for a transmit.</summary>
    internal bool FlushPending { get; set; }

    /// <summary>Copies a packet into the ring; returns false when the oldest packet was dropped to make room.</summary>
    internal bool Stage(ReadOnlySpan<byte> packet, int capacity, int bufferSize)
    {
        _staged ??= new byte[capacity][];
        _stagedLengths ??= new int[capacity];
        bool overflowed = false;
        if (_stagedCount == _staged.Length)
        {
            _stagedHead = (_stagedHead + 1) % _staged.Length;
            _stagedCount--;
            overflowed = true;
        }

        int slot = (_stagedHead + _stagedCount) % _staged.Length;
        byte[] buffer = _staged[slot] ??= new byte[bufferSize];
        packet.CopyTo(buffer);
        _stagedLengths[slot] = packet.Length;
        _stagedCount++;
        return !overflowed;
    }

    /// <summary>The oldest staged packet, without removing it.</summary>
    internal ReadOnlySpan<byte> PeekStaged() =>
        _stagedCount == 0 ? default : _staged![_stagedHead].AsSpan(0, _stagedLengths![_stagedHead]);

    internal void DropStaged()
    {
        if (_stagedCount > 0)
        {
            _stagedCount--;

            // An empty ring restarts at slot 0, so a shallow queue keeps reusing the same few buffers.
            _stagedHead = _stagedCount == 0 ? 0 : (_stagedHead + 1) % _staged!.Length;
        }
    }

    /// <summary>Discards every staged packet; returns how many.</summary>
    internal int ClearStaged()
    {
        int count = _stagedCount;
        _stagedHead = 0;
        _stagedCount = 0;
        return count;
    }
}
