namespace Tunnel.Dns.Internal;

/// <summary>
/// Checks a whole untrusted message once, section by section, so that every accessor of
/// <see cref="DnsMessage"/> reads only what was checked.
/// </summary>
internal static class DnsMessageValidator
{
    /// <summary>Validates a message.</summary>
    /// <param name="message">The message, maybe followed by bytes that are not part of it.</param>
    /// <param name="layout">Where its sections begin, when it is valid.</param>
    /// <param name="length">The bytes its header and sections take; anything after them is ignored.</param>
    /// <returns>The first fault met, or <see cref="DnsParseError.None"/>.</returns>
    internal static DnsParseError Validate(ReadOnlySpan<byte> message, out DnsLayout layout, out int length)
    {
        layout = default;
        length = 0;
        if (message.Length < DnsWire.HeaderSize)
        {
            return DnsParseError.MessageTooShort;
        }

        int position = DnsWire.HeaderSize;
        for (int i = DnsWire.ReadUInt16(message, DnsWire.QuestionCountOffset); i > 0; i--)
        {
            DnsParseError error = DnsNameWalker.Validate(message, position, message.Length, allowPointers: true, out int end);
            if (error != DnsParseError.None)
            {
                return error;
            }

            if (end + DnsWire.QuestionFixedSize > message.Length)
            {
                return DnsParseError.TruncatedSection;
            }

            position = end + DnsWire.QuestionFixedSize;
        }

        int opt = 0;
        int answers = position;
        DnsParseError result = ValidateRecords(message, ref position, DnsWire.ReadUInt16(message, DnsWire.AnswerCountOffset), additional: false, ref opt);
        int authorities = position;
        if (result == DnsParseError.None)
        {
            result = ValidateRecords(message, ref position, DnsWire.ReadUInt16(message, DnsWire.AuthorityCountOffset), additional: false, ref opt);
        }

        int additionals = position;
        if (result == DnsParseError.None)
        {
            result = ValidateRecords(message, ref position, DnsWire.ReadUInt16(message, DnsWire.AdditionalCountOffset), additional: true, ref opt);
        }

        if (result == DnsParseError.None)
        {
            layout = new DnsLayout(answers, authorities, additionals, opt);
            length = position;
        }

        return result;
    }

    private static DnsParseError ValidateRecords(ReadOnlySpan<byte> message, ref int position, int count, bool additional, ref int opt)
    {
        for (; count > 0; count--)
        {
            int owner = position;
            DnsParseError error = DnsNameWalker.Validate(message, owner, message.Length, allowPointers: true, out int fixedFields);
            if (error != DnsParseError.None)
            {
                return error;
            }

            if (fixedFields + DnsWire.RecordFixedSize > message.Length)
            {
                return DnsParseError.TruncatedSection;
            }

            var type = (DnsRecordType)DnsWire.ReadUInt16(message, fixedFields);
            ushort @class = DnsWire.ReadUInt16(message, fixedFields + 2);
            int data = fixedFields + DnsWire.RecordFixedSize;
            int dataLength = DnsWire.ReadUInt16(message, fixedFields + 8);
            if (data + dataLength > message.Length)
            {
                return DnsParseError.RecordOutOfBounds;
            }

            error = type switch
            {
                DnsRecordType.A when @class == DnsWire.ClassInternet && dataLength != 4 => DnsParseError.BadAddressLength,
                DnsRecordType.AAAA when @class == DnsWire.ClassInternet && dataLength != 16 => DnsParseError.BadAddressLength,
                DnsRecordType.CNAME => ValidateCname(message, data, dataLength),
                DnsRecordType.SVCB or DnsRecordType.HTTPS => ValidateServiceBinding(message, data, dataLength),
                DnsRecordType.OPT => ValidateOpt(message, owner, data, dataLength, additional, opt),
                _ => DnsParseError.None,
            };

            if (error != DnsParseError.None)
            {
                return error;
            }

            if (type == DnsRecordType.OPT)
            {
                opt = fixedFields;
            }

            position = data + dataLength;
        }

        return DnsParseError.None;
    }

    private static DnsParseError ValidateCname(ReadOnlySpan<byte> message, int data, int dataLength)
    {
        // The target may be compressed (RFC 1035 section 4.1.4) but must fill the data exactly.
        DnsParseError error = DnsNameWalker.Validate(message, data, data + dataLength, allowPointers: true, out int end);
        return error switch
        {
            DnsParseError.None when end != data + dataLength => DnsParseError.BadCnameData,
            DnsParseError.TruncatedSection => DnsParseError.BadCnameData,
            _ => error,
        };
    }

    /// <summary>SVCB and HTTPS data (RFC 9460 section 2.2): SvcPriority, an uncompressed TargetName, then SvcParams.</summary>
    private static DnsParseError ValidateServiceBinding(ReadOnlySpan<byte> message, int data, int dataLength)
    {
        int dataEnd = data + dataLength;
        if (dataLength < 3)
        {
            return DnsParseError.BadSvcbData;
        }

        DnsParseError error = DnsNameWalker.Validate(message, data + 2, dataEnd, allowPointers: false, out int position);
        if (error != DnsParseError.None)
        {
            return error == DnsParseError.TruncatedSection ? DnsParseError.BadSvcbData : error;
        }

        int previousKey = -1;
        while (position < dataEnd)
        {
            if (position + 4 > dataEnd)
            {
                return DnsParseError.BadSvcbData;
            }

            int key = DnsWire.ReadUInt16(message, position);
            int length = DnsWire.ReadUInt16(message, position + 2);
            position += 4;

            // Section 2.2: keys in strictly increasing order, or the record is malformed.
            bool valid = key > previousKey && position + length <= dataEnd && (key switch
            {
                DnsWire.Ipv4HintKey => length > 0 && length % 4 == 0,
                DnsWire.Ipv6HintKey => length > 0 && length % 16 == 0,
                _ => true,
            });

            if (!valid)
            {
                return DnsParseError.BadSvcbData;
            }

            previousKey = key;
            position += length;
        }

        return DnsParseError.None;
    }

    /// <summary>RFC 6891 section 6.1.1: one OPT at most, in the additional section, owned by the root, its data a run of options.</summary>
    private static DnsParseError ValidateOpt(ReadOnlySpan<byte> message, int owner, int data, int dataLength, bool additional, int opt)
    {
        if (!additional || opt != 0 || !new DnsName(message, owner).IsRoot)
        {
            return DnsParseError.BadOptRecord;
        }

        int position = data;
        int dataEnd = data + dataLength;
        while (position < dataEnd)
        {
            if (position + 4 > dataEnd)
            {
                return DnsParseError.BadOptRecord;
            }

            position += 4 + DnsWire.ReadUInt16(message, position + 2);
        }

        return position == dataEnd ? DnsParseError.None : DnsParseError.BadOptRecord;
    }
}
