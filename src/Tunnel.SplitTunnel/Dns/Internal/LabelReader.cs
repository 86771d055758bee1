namespace Tunnel.Dns.Internal;

/// <summary>
/// Reads the labels of a name that <see cref="DnsNameWalker"/> has validated, following its pointers.
/// </summary>
/// <remarks>
/// It stays within bounds and stops on its own even on bytes nobody validated (a default
/// <see cref="DnsName"/>): a pointer must go backward and the jumps are counted, and anything malformed reads
/// as the end of the name.
/// </remarks>
internal ref struct LabelReader
{
    private readonly ReadOnlySpan<byte> _message;
    private int _position;
    private int _jumps;

    internal LabelReader(ReadOnlySpan<byte> message, int offset)
    {
        _message = message;
        _position = offset;
    }

    /// <summary>
    /// Where the next label's length byte is, once any pointers before it are followed. Two readers of one
    /// message at the same position have the same labels left to read.
    /// </summary>
    internal int Position
    {
        get
        {
            FollowPointers();
            return _position;
        }
    }

    /// <summary>Reads the next label; false at the root.</summary>
    internal bool TryRead(out ReadOnlySpan<byte> label)
    {
        FollowPointers();
        if ((uint)_position < (uint)_message.Length)
        {
            int length = _message[_position];
            if (length is > 0 and <= DnsWire.MaxLabelLength && _position + 1 + length <= _message.Length)
            {
                label = _message.Slice(_position + 1, length);
                _position += 1 + length;
                return true;
            }
        }

        label = default;
        _position = _message.Length;
        return false;
    }

    private void FollowPointers()
    {
        while ((uint)(_position + 1) < (uint)_message.Length
            && (_message[_position] & DnsWire.LabelTypeMask) == DnsWire.PointerType)
        {
            int target = ((_message[_position] & ~DnsWire.LabelTypeMask) << 8) | _message[_position + 1];
            if (target >= _position || ++_jumps > DnsWire.MaxPointerJumps)
            {
                _position = _message.Length;
                return;
            }

            _position = target;
        }
    }
}
