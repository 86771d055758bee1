using System.Net;
using System.Text;
using FsCheck.Xunit;
using Tunnel.Dns;
using static Tunnel.SplitTunnel.Tests.Dns.DnsTestHelpers;

namespace Tunnel.SplitTunnel.Tests.Dns;

public sealed class DnsPropertyTests
{
    private const string LabelCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";

    // Label lengths and types at their edges, and the pointer type.
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x3F, 0x40, 0x80, 0xC0, 0xFF];

    /// <summary>Random messages of every record kind the parser reads, with and without compression, parse back to what was built.</summary>
    [Property(MaxTest = 300)]
    public void BuiltMessages_ParseBackToWhatWasBuilt(int seed)
    {
        var random = new Random(seed);
        var (builder, expected) = RandomMessage(random);
        var message = Parse(builder.Build());

        Assert.Equal(builder.Id, message.Id);
        Assert.Equal(builder.IsResponse, message.IsResponse);
        Assert.Equal(builder.Truncated, message.IsTruncated);
        Assert.Equal(builder.RecursionDesired, message.RecursionDesired);
        Assert.Equal(builder.ResponseCode, (int)message.ResponseCode);
        Assert.True(message.TryGetQuestion(out DnsQuestion question));
        Assert.Equal(expected[0].Owner.ToLowerInvariant(), Text(question.Name));
        Assert.Equal(expected[0].Type, question.Type);

        int index = 1;
        for (int section = 0; section < 3; section++)
        {
            foreach (DnsRecord record in Section(message, section))
            {
                var want = expected[index++];
                Assert.True(record.Name.EqualsDotted(Encoding.ASCII.GetBytes(want.Owner)));
                Assert.Equal(want.Owner.ToLowerInvariant(), Text(record.Name));
                Assert.Equal(want.Type, record.Type);
                Assert.Equal(want.TimeToLive, record.TimeToLive);
                Assert.Equal(want.Value, Describe(record));
            }
        }

        Assert.Equal(expected.Count, index);
    }

    /// <summary>Byte-level mutations of valid messages never make the parser or any accessor throw, and what parses stays consistent.</summary>
    [Property(MaxTest = 200)]
    public void MutatedMessages_NeverThrow(int seed)
    {
        var random = new Random(seed);
        byte[] original = RandomMessage(random).Builder.Build();
        for (int i = 0; i < 50; i++)
        {
            var bytes = new List<byte>(original);
            for (int steps = 1 + random.Next(4); steps > 0; steps--)
            {
                Mutate(bytes, random);
            }

            Exercise([.. bytes]);
        }
    }

    internal static (DnsMessageBuilder Builder, List<(string Owner, DnsRecordType Type, uint TimeToLive, string Value)> Expected) RandomMessage(Random random)
    {
        string[] names = Enumerable.Range(0, 1 + random.Next(5)).Select(_ => RandomName(random)).ToArray();
        string Pick() => names[random.Next(names.Length)];
        var type = (DnsRecordType)random.Next(1, 70);
        var builder = new DnsMessageBuilder
        {
            Id = (ushort)random.Next(65536),
            IsResponse = random.Next(4) != 0,
            Truncated = random.Next(8) == 0,
            RecursionDesired = random.Next(2) == 0,
            ResponseCode = random.Next(16),
            Compress = random.Next(4) != 0,
        };
        string questionName = Pick();
        builder.Question(questionName, type);
        var expected = new List<(string, DnsRecordType, uint, string)> { (questionName, type, 0, "") };

        foreach (var section in (DnsSection[])[DnsSection.Answer, DnsSection.Authority, DnsSection.Additional])
        {
            for (int i = random.Next(section == DnsSection.Answer ? 9 : 4); i > 0; i--)
            {
                string owner = Pick();
                uint ttl = (uint)random.Next();
                switch (random.Next(5))
                {
                    case 0:
                        var v4 = new IPAddress(random.NextInt64(1L << 32)).ToString();
                        builder.A(owner, v4, ttl, section);
                        expected.Add((owner, DnsRecordType.A, ttl, v4));
                        break;
                    case 1:
                        var v6 = new IPAddress(Bytes(random, 16)).ToString();
                        builder.Aaaa(owner, v6, ttl, section);
                        expected.Add((owner, DnsRecordType.AAAA, ttl, v6));
                        break;
                    case 2:
                        string target = Pick();
                        builder.Cname(owner, target, ttl, section);
                        expected.Add((owner, DnsRecordType.CNAME, ttl, target.ToLowerInvariant()));
                        break;
                    case 3 when section == DnsSection.Answer:
                        string hint = new IPAddress(Bytes(random, 4)).ToString();
                        ushort priority = (ushort)random.Next(3);
                        builder.Https(owner, priority, ".", ttl, DnsMessageBuilder.Alpn("h2"), DnsMessageBuilder.Hint(hint));
                        expected.Add((owner, DnsRecordType.HTTPS, ttl, $"{priority} . {(priority == 0 ? "" : hint)}"));
                        break;
                    default:
                        byte[] data = Bytes(random, random.Next(40));
                        builder.Record(section, owner, DnsRecordType.TXT, ttl, data);
                        expected.Add((owner, DnsRecordType.TXT, ttl, Convert.ToHexString(data)));
                        break;
                }
            }
        }

        if (random.Next(2) == 0)
        {
            builder.Opt(payloadSize: (ushort)random.Next(512, 65536));
            expected.Add(("", DnsRecordType.OPT, 0, ""));
        }

        return (builder, expected);
    }

    /// <summary>Every accessor of a message that parses, with the invariants the parser promises.</summary>
    internal static void Exercise(byte[] bytes)
    {
        if (!DnsMessage.TryParse(bytes, out DnsMessage message, out DnsParseError error))
        {
            Assert.NotEqual(DnsParseError.None, error);
            return;
        }

        Span<byte> text = stackalloc byte[DnsName.MaxLength];
        Assert.Equal(bytes.Length, message.Bytes.Length + message.TrailingByteCount);
        if (message.TryGetQuestion(out DnsQuestion question))
        {
            Check(question.Name, text);
        }

        int count = 0;
        for (int section = 0; section < 3; section++)
        {
            foreach (DnsRecord record in Section(message, section))
            {
                count++;
                Check(record.Name, text);
                Check(record.CnameTarget, text);
                Check(record.SvcTargetName, text);
                Assert.True(record.TimeToLive <= int.MaxValue);
                foreach (ReadOnlySpan<byte> hint in record.SvcAddressHints)
                {
                    Assert.True(hint.Length is 4 or 16);
                }

                Assert.Equal(record.TryGetAddress(new byte[16], out int written), written is 4 or 16);
            }
        }

        Assert.Equal(message.AnswerCount + message.AuthorityCount + message.AdditionalCount, count);
        DnsAnswerChain chain = DnsAnswerChain.Resolve(message);
        Assert.InRange(chain.Count, message.QuestionCount > 0 ? 1 : 0, DnsAnswerChain.Capacity);
        foreach (DnsChainAddress address in chain.Addresses)
        {
            Assert.True(address.Address.Length is 4 or 16);
            Assert.True(address.TimeToLive <= chain.GetPathTimeToLive(address.ChainIndex));
        }
    }

    private static DnsRecordEnumerator Section(DnsMessage message, int section) => section switch
    {
        0 => message.Answers,
        1 => message.Authorities,
        _ => message.Additionals,
    };

    private static void Check(DnsName name, Span<byte> text)
    {
        int written = name.CopyTo(text);
        Assert.Equal(name.Length, written);
        Assert.InRange(name.WireLength, 1, 255);
        Assert.True(name.Equals(name));
        Assert.True(name.EqualsDotted(text[..written]));
    }

    private static string Describe(DnsRecord record) => record.Type switch
    {
        DnsRecordType.A or DnsRecordType.AAAA => Address(record.Data),
        DnsRecordType.CNAME => Text(record.CnameTarget),
        DnsRecordType.HTTPS => $"{record.SvcPriority} {record.SvcTargetName.ToString()} {string.Join(",", HintsOf(record))}",
        DnsRecordType.OPT => "",
        _ => Convert.ToHexString(record.Data),
    };

    private static List<string> HintsOf(DnsRecord record)
    {
        var hints = new List<string>();
        foreach (ReadOnlySpan<byte> hint in record.SvcAddressHints)
        {
            hints.Add(Address(hint));
        }

        return hints;
    }

    /// <summary>One to four labels, now and then a long one, within the 255-byte limit.</summary>
    private static string RandomName(Random random)
    {
        while (true)
        {
            string name = string.Join('.', Enumerable.Range(0, 1 + random.Next(4)).Select(_ =>
                new string(Enumerable.Range(0, 1 + random.Next(random.Next(8) == 0 ? 63 : 12)).Select(_ => LabelCharacters[random.Next(LabelCharacters.Length)]).ToArray())));
            if (name.Length + 2 <= 255)
            {
                return name;
            }
        }
    }

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static void Mutate(List<byte> bytes, Random random)
    {
        int position = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
        switch (random.Next(7))
        {
            case 0 when bytes.Count > 0:
                bytes[position] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when bytes.Count > 0:
                bytes[position] = InterestingBytes[random.Next(InterestingBytes.Length)];
                break;
            case 2 when bytes.Count > 1:
                // A compression pointer to anywhere, the likeliest way to reach the name walker's checks.
                bytes[position] = (byte)(0xC0 | random.Next(2));
                bytes[(position + 1) % bytes.Count] = (byte)random.Next(256);
                break;
            case 3:
                bytes.RemoveRange(position, bytes.Count - position);
                break;
            case 4:
                bytes.Insert(position, (byte)random.Next(256));
                break;
            case 5 when bytes.Count > 0:
                bytes.RemoveAt(position);
                break;
            default:
                int length = Math.Min(bytes.Count - position, 1 + random.Next(16));
                bytes.InsertRange(random.Next(bytes.Count + 1), bytes.GetRange(position, length));
                break;
        }
    }
}
