using System.Text;
using Tunnel.Dns.Internal;

namespace Tunnel.Dns;

/// <summary>
/// A domain name inside a parsed <see cref="DnsMessage"/>: the message and the offset where the name is
/// written, read label by label with its compression pointers followed. Nothing is copied or allocated
/// except by <see cref="ToString"/>.
/// </summary>
/// <remarks>
/// The presentation form (RFC 1035 section 5.1, RFC 4343 section 2.1) is lower-case, dotted, without the
/// trailing dot, and the root is empty. Bytes a label may hold that would make it ambiguous are escaped: a
/// dot or backslash inside a label as <c>\.</c> or <c>\\</c>, and any byte outside the printable ASCII range
/// <c>!</c> to <c>~</c> as <c>\DDD</c> in decimal. So a hostile label such as <c>"corp.example"</c> can never
/// read as two labels. A <see langword="default"/> name reads as the root.
/// </remarks>
public readonly ref struct DnsName
{
    /// <summary>
    /// The longest presentation form: a 255-byte name of four labels (63, 63, 63 and 61 bytes) whose every byte
    /// needs a 4-character escape. Names of letters, digits and hyphens are at most 253 characters.
    /// </summary>
    public const int MaxLength = 1003;

    private readonly ReadOnlySpan<byte> _message;
    private readonly int _offset;

    internal DnsName(ReadOnlySpan<byte> message, int offset)
    {
        _message = message;
        _offset = offset;
    }

    /// <summary>Whether this is the root name (a single zero byte, or a pointer to one).</summary>
    public bool IsRoot => !Labels().TryRead(out _);

    /// <summary>The number of labels, the root not counted: 0 for the root, 2 for <c>example.com</c>.</summary>
    public int LabelCount
    {
        get
        {
            var labels = Labels();
            int count = 0;
            while (labels.TryRead(out _))
            {
                count++;
            }

            return count;
        }
    }

    /// <summary>The bytes the name takes in wire form once decompressed: each label and its length byte, plus the root byte (1 to 255).</summary>
    public int WireLength
    {
        get
        {
            var labels = Labels();
            int length = 1;
            while (labels.TryRead(out var label))
            {
                length += 1 + label.Length;
            }

            return length;
        }
    }

    /// <summary>The length of the presentation form <see cref="CopyTo"/> writes: 0 for the root, at most <see cref="MaxLength"/>.</summary>
    public int Length
    {
        get
        {
            var labels = Labels();
            int length = -1;
            while (labels.TryRead(out var label))
            {
                length++;
                foreach (byte value in label)
                {
                    length += EscapedLength(value);
                }
            }

            return Math.Max(length, 0);
        }
    }

    /// <summary>
    /// Writes the presentation form: lower-case ASCII, dotted, without the trailing dot, nothing for the root,
    /// escaped as the remarks describe.
    /// </summary>
    /// <param name="destination">Where to write; <see cref="MaxLength"/> bytes always suffice.</param>
    /// <returns>The number of bytes written (<see cref="Length"/>), or -1 when <paramref name="destination"/> is too small, in which case nothing is written.</returns>
    public int CopyTo(Span<byte> destination)
    {
        int length = Length;
        if (destination.Length < length)
        {
            return -1;
        }

        var labels = Labels();
        int written = 0;
        while (labels.TryRead(out var label))
        {
            if (written > 0)
            {
                destination[written++] = (byte)'.';
            }

            foreach (byte value in label)
            {
                written += WriteEscaped(value, destination[written..]);
            }
        }

        return written;
    }

    /// <summary>Whether two names are equal: label by label, ASCII letters compared case-insensitively (RFC 4343), compression followed.</summary>
    /// <param name="other">A name of this message or of another one.</param>
    /// <returns>Whether the names are equal.</returns>
    public bool Equals(DnsName other)
    {
        bool sameMessage = _message == other._message;
        var mine = Labels();
        var theirs = other.Labels();
        while (true)
        {
            // Compressed names usually end in the same suffix: once both readers stand on it, the rest is equal.
            if (sameMessage && mine.Position == theirs.Position)
            {
                return true;
            }

            bool more = mine.TryRead(out var left);
            if (more != theirs.TryRead(out var right))
            {
                return false;
            }

            if (!more)
            {
                return true;
            }

            if (left.Length != right.Length)
            {
                return false;
            }

            for (int i = 0; i < left.Length; i++)
            {
                if (DnsWire.ToLower(left[i]) != DnsWire.ToLower(right[i]))
                {
                    return false;
                }
            }
        }
    }

    /// <summary>
    /// Whether the name equals a name in presentation form: labels separated by dots, a trailing dot allowed,
    /// <c>""</c> or <c>"."</c> for the root, ASCII letters compared case-insensitively, and the escapes of
    /// <see cref="CopyTo"/> (<c>\X</c> for the byte X, <c>\DDD</c> for a decimal byte) understood. An empty label
    /// or a bad escape makes the text equal no name.
    /// </summary>
    /// <param name="dotted">The name as ASCII (or UTF-8, matching byte for byte) text, such as <c>"www.example.com"</c>.</param>
    /// <returns>Whether the names are equal.</returns>
    public bool EqualsDotted(ReadOnlySpan<byte> dotted)
    {
        if (dotted.Length == 1 && dotted[0] == '.')
        {
            dotted = default;
        }

        var labels = Labels();
        int position = 0;
        while (labels.TryRead(out var label))
        {
            foreach (byte value in label)
            {
                if (!TryReadText(dotted, ref position, out byte expected) || DnsWire.ToLower(expected) != DnsWire.ToLower(value))
                {
                    return false;
                }
            }

            // The text's label must end here too, before a dot that another label or nothing (the trailing dot) follows.
            if (position < dotted.Length)
            {
                if (dotted[position] != '.')
                {
                    return false;
                }

                position++;
            }
        }

        return position == dotted.Length;
    }

    /// <summary>The presentation form, <c>"."</c> for the root. It allocates: for diagnostics, not for the data path.</summary>
    /// <returns>The name as text.</returns>
    public override string ToString()
    {
        Span<byte> text = stackalloc byte[MaxLength];
        int written = CopyTo(text);
        return written <= 0 ? "." : Encoding.ASCII.GetString(text[..written]);
    }

    /// <summary>Where the name is written in its message.</summary>
    internal int Offset => _offset;

    internal LabelReader Labels() => new(_message, _offset);

    private static int EscapedLength(byte value) => value switch
    {
        (byte)'.' or (byte)'\\' => 2,
        < (byte)'!' or > (byte)'~' => 4,
        _ => 1,
    };

    private static int WriteEscaped(byte value, Span<byte> destination)
    {
        switch (EscapedLength(value))
        {
            case 1:
                destination[0] = DnsWire.ToLower(value);
                return 1;
            case 2:
                destination[0] = (byte)'\\';
                destination[1] = value;
                return 2;
            default:
                destination[0] = (byte)'\\';
                destination[1] = (byte)('0' + (value / 100));
                destination[2] = (byte)('0' + (value / 10 % 10));
                destination[3] = (byte)('0' + (value % 10));
                return 4;
        }
    }

    /// <summary>Reads one byte of a label from presentation text; false at a dot that ends the label, at the end, or at a bad escape.</summary>
    private static bool TryReadText(ReadOnlySpan<byte> text, ref int position, out byte value)
    {
        value = 0;
        if (position >= text.Length || text[position] == '.')
        {
            return false;
        }

        if (text[position] != '\\')
        {
            value = text[position++];
            return true;
        }

        if (position + 1 >= text.Length)
        {
            return false;
        }

        if (!IsDigit(text[position + 1]))
        {
            value = text[position + 1];
            position += 2;
            return true;
        }

        if (position + 3 >= text.Length || !IsDigit(text[position + 2]) || !IsDigit(text[position + 3]))
        {
            return false;
        }

        int number = ((text[position + 1] - '0') * 100) + ((text[position + 2] - '0') * 10) + (text[position + 3] - '0');
        if (number > byte.MaxValue)
        {
            return false;
        }

        value = (byte)number;
        position += 4;
        return true;
    }

    private static bool IsDigit(byte value) => (uint)(value - '0') <= 9;
}
