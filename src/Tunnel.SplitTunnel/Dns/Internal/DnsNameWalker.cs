namespace Tunnel.Dns.Internal;

/// <summary>
/// Validates one name of an untrusted message, following its compression pointers, before anything reads it.
/// </summary>
/// <remarks>
/// A name is read in segments: the bytes where it is written, then the bytes each pointer leads to. Every
/// pointer must land strictly before the segment that holds it began, and the segment it leads to must end
/// before that point too. Compressors only ever point at names they wrote earlier, so real messages pass; and
/// since the segments are then disjoint and descend through the message, no input can make a name loop.
/// </remarks>
internal static class DnsNameWalker
{
    /// <summary>Validates the name at <paramref name="offset"/>.</summary>
    /// <param name="message">The whole message, which pointers are relative to.</param>
    /// <param name="offset">Where the name is written.</param>
    /// <param name="limit">Where the bytes holding the name end: the message's end, or its record data's.</param>
    /// <param name="allowPointers">False where the name must be written uncompressed.</param>
    /// <param name="end">Just past the name's bytes at <paramref name="offset"/>, when the name is valid.</param>
    /// <returns>
    /// <see cref="DnsParseError.None"/>; <see cref="DnsParseError.TruncatedSection"/> when the written bytes run past
    /// <paramref name="limit"/> (or when a pointer appears and <paramref name="allowPointers"/> is false), which the
    /// caller maps to its own reason inside record data; or the name's fault.
    /// </returns>
    internal static DnsParseError Validate(ReadOnlySpan<byte> message, int offset, int limit, bool allowPointers, out int end)
    {
        end = -1;
        int position = offset;
        int segmentStart = offset;
        int wireLength = 0;
        int jumps = 0;
        bool jumped = false;

        while (true)
        {
            if (position >= limit)
            {
                return jumped ? DnsParseError.PointerLoop : DnsParseError.TruncatedSection;
            }

            int length = message[position];
            switch (length & DnsWire.LabelTypeMask)
            {
                case 0:
                    wireLength += 1 + length;
                    if (wireLength > DnsWire.MaxNameWireLength)
                    {
                        return DnsParseError.NameTooLong;
                    }

                    if (length == 0)
                    {
                        if (!jumped)
                        {
                            end = position + 1;
                        }

                        return DnsParseError.None;
                    }

                    position += 1 + length;

                    // The label's bytes must lie before the limit too; the next length byte is checked above.
                    if (position > limit)
                    {
                        return jumped ? DnsParseError.PointerLoop : DnsParseError.TruncatedSection;
                    }

                    break;

                case DnsWire.PointerType:
                    if (!allowPointers || position + 1 >= limit)
                    {
                        return jumped ? DnsParseError.PointerLoop : DnsParseError.TruncatedSection;
                    }

                    int target = ((length & ~DnsWire.LabelTypeMask) << 8) | message[position + 1];
                    if (!jumped)
                    {
                        end = position + 2;
                    }

                    if (target >= message.Length || target < DnsWire.HeaderSize)
                    {
                        return DnsParseError.PointerOutOfRange;
                    }

                    if (target > position)
                    {
                        return DnsParseError.ForwardPointer;
                    }

                    if (target >= segmentStart || ++jumps > DnsWire.MaxPointerJumps)
                    {
                        return DnsParseError.PointerLoop;
                    }

                    // The next segment must end where this one began: see the remarks.
                    limit = segmentStart;
                    position = segmentStart = target;
                    jumped = true;
                    break;

                default:
                    return DnsParseError.ReservedLabelType;
            }
        }
    }
}
