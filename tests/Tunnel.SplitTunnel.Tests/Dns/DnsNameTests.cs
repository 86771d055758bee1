using System.Text;
using Tunnel.Dns;
using static Tunnel.SplitTunnel.Tests.Dns.DnsTestHelpers;

namespace Tunnel.SplitTunnel.Tests.Dns;

public sealed class DnsNameTests
{
    private static readonly string Label63 = new('a', 63);

    [Fact]
    public void CompressedNames_ReadAsWritten_AndEqualTheirUncompressedForm()
    {
        var builder = DnsMessageBuilder.Response("www.example.com").Cname("www.example.com", "edge.example.com").A("edge.example.com", "192.0.2.1");
        byte[] compressed = builder.Build();
        builder.Compress = false;
        byte[] plain = builder.Build();
        Assert.True(compressed.Length < plain.Length);

        var left = Parse(compressed);
        var right = Parse(plain);
        var leftAnswers = left.Answers;
        var rightAnswers = right.Answers;
        while (leftAnswers.MoveNext())
        {
            Assert.True(rightAnswers.MoveNext());
            Assert.True(leftAnswers.Current.Name.Equals(rightAnswers.Current.Name));
            Assert.Equal(Text(rightAnswers.Current.Name), Text(leftAnswers.Current.Name));
            Assert.Equal(rightAnswers.Current.Name.WireLength, leftAnswers.Current.Name.WireLength);
        }

        leftAnswers = left.Answers;
        Assert.True(leftAnswers.MoveNext());
        Assert.Equal("edge.example.com", Text(leftAnswers.Current.CnameTarget));
        Assert.Equal(3, leftAnswers.Current.CnameTarget.LabelCount);
        Assert.Equal(18, leftAnswers.Current.CnameTarget.WireLength);
        Assert.False(leftAnswers.Current.CnameTarget.Equals(leftAnswers.Current.Name));
    }

    [Fact]
    public void Pointers_ThatDoNotGoStrictlyBackward_AreRejected()
    {
        byte[] question = [0, 1, 0, 1];

        // A pointer ahead of itself, to itself, past the end, into the header, cut off by the end.
        Assert.Equal(DnsParseError.ForwardPointer, Error(Concat(Header(1), [0xC0, 14], question)));
        Assert.Equal(DnsParseError.PointerLoop, Error(Concat(Header(1), [0xC0, 12], question)));
        Assert.Equal(DnsParseError.PointerOutOfRange, Error(Concat(Header(1), [0xC0, 18], question)));
        Assert.Equal(DnsParseError.PointerOutOfRange, Error(Concat(Header(1), [0xFF, 0xFF], question)));
        Assert.Equal(DnsParseError.PointerOutOfRange, Error(Concat(Header(1, 1), [1, (byte)'a', 0], question, [0xC0, 5], [0, 1, 0, 1, 0, 0, 0, 0, 0, 0])));
        Assert.Equal(DnsParseError.TruncatedSection, Error(Concat(Header(1), [1, (byte)'a', 0xC0])));

        // Two names pointing at each other: one of the two pointers must go forward.
        Assert.Equal(DnsParseError.ForwardPointer, Error(Concat(Header(2), [1, (byte)'a', 0xC0, 20], question, [1, (byte)'b', 0xC0, 12], question)));

        // Backward pointers that interleave with labels: 12 is a 2-byte label whose bytes are a pointer to 12,
        // then a pointer to 13. Read naively, 12 -> 15 -> 13 -> 12 forever.
        Assert.Equal(DnsParseError.PointerLoop, Error(Concat(Header(1), [2, 0xC0, 12, 0xC0, 13], question)));

        // The same bytes pointed at from a later name: the labels it leads to run into the pointer that led there.
        Assert.Equal(DnsParseError.PointerLoop, Error(Concat(Header(1, 1), [2, 0xC0, 12, 0], question, [0xC0, 13], [0, 1, 0, 1, 0, 0, 0, 0, 0, 0])));
    }

    [Fact]
    public void PointerJumps_AreBounded()
    {
        Assert.True(DnsMessage.TryParse(ChainOfPointers(127), out _, out _));
        Assert.Equal(DnsParseError.PointerLoop, Error(ChainOfPointers(128)));

        // A TXT record's data holds a root byte and pointers each to the one before; the next record's owner
        // points at the last, so reading it takes `jumps` jumps.
        static byte[] ChainOfPointers(int jumps)
        {
            var data = new List<byte> { 0 };
            int dataStart = 12 + 7 + 2 + 10;
            for (int i = 1; i < jumps; i++)
            {
                int target = i == 1 ? dataStart : dataStart + 1 + (2 * (i - 2));
                data.AddRange([(byte)(0xC0 | (target >> 8)), (byte)target]);
            }

            int last = dataStart + data.Count - 2;
            return Concat(
                Header(1, 2),
                [1, (byte)'a', 0, 0, 1, 0, 1],
                [0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 60, (byte)(data.Count >> 8), (byte)data.Count],
                [.. data],
                [(byte)(0xC0 | (last >> 8)), (byte)last, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]);
        }
    }

    [Fact]
    public void Labels_Of63BytesPass_AndA64ByteLengthIsAReservedLabelType()
    {
        var message = Parse(DnsMessageBuilder.Query(Label63 + ".com").Build());
        Assert.True(message.TryGetQuestion(out var question));
        Assert.Equal(67, question.Name.Length);

        Assert.Equal(DnsParseError.ReservedLabelType, Error(DnsMessageBuilder.Query(new string('a', 64) + ".com").Build()));
        Assert.Equal(DnsParseError.ReservedLabelType, Error(Concat(Header(1), [0x80, 0], [0, 1, 0, 1])));
        Assert.Equal(DnsParseError.ReservedLabelType, Error(Concat(Header(1), [0x41, 0], [0, 1, 0, 1])));
    }

    [Fact]
    public void Names_Of255WireBytesPass_And256AreTooLong()
    {
        string longest = $"{Label63}.{Label63}.{Label63}.{new string('b', 61)}";
        var message = Parse(DnsMessageBuilder.Query(longest).Build());
        Assert.True(message.TryGetQuestion(out var question));
        Assert.Equal(255, question.Name.WireLength);
        Assert.Equal(253, question.Name.Length);
        Assert.Equal(longest, question.Name.ToString());

        Assert.Equal(DnsParseError.NameTooLong, Error(DnsMessageBuilder.Query(longest + "b").Build()));

        // Compression cannot stretch a name past the limit either: "x." + the longest name is 257 bytes.
        Assert.Equal(DnsParseError.NameTooLong, Error(DnsMessageBuilder.Response(longest).A("x." + longest, "192.0.2.1").Build()));
    }

    [Fact]
    public void Comparison_IgnoresAsciiCase_Only()
    {
        var builder = DnsMessageBuilder.Response("WWW.Example.COM").A("www.example.com", "192.0.2.1");
        builder.Compress = false;
        var message = Parse(builder.Build());
        Assert.True(message.TryGetQuestion(out var question));
        var answers = message.Answers;
        Assert.True(answers.MoveNext());

        Assert.True(question.Name.Equals(answers.Current.Name));
        Assert.True(answers.Current.Name.Equals(question.Name));
        Assert.True(question.Name.EqualsDotted("www.example.com"u8));
        Assert.True(question.Name.EqualsDotted("wWw.ExAmPlE.cOm."u8));
        Assert.Equal("www.example.com", Text(question.Name));

        // Latin-1 letters do not fold: 0xC9 and 0xE9 are different bytes.
        var other = Parse(Concat(Header(2), [1, 0xC9, 0, 0, 1, 0, 1], [1, 0xE9, 0, 0, 1, 0, 1]));
        Assert.True(other.TryGetQuestion(out var first));
        Assert.False(first.Name.EqualsDotted("\\233"u8));
        Assert.True(first.Name.EqualsDotted("\\201"u8));
    }

    [Fact]
    public void EqualsDotted_HandlesTheRoot_TrailingDots_AndMalformedText()
    {
        var message = Parse(DnsMessageBuilder.Response("a.example").Cname("a.example", ".").Build());
        var answers = message.Answers;
        Assert.True(answers.MoveNext());
        DnsName root = answers.Current.CnameTarget;
        DnsName name = answers.Current.Name;

        Assert.True(root.IsRoot);
        Assert.True(root.EqualsDotted(""u8));
        Assert.True(root.EqualsDotted("."u8));
        Assert.False(root.EqualsDotted(".."u8));
        Assert.False(root.EqualsDotted("a"u8));
        Assert.Equal(".", root.ToString());
        Assert.Equal(1, root.WireLength);

        Assert.True(name.EqualsDotted("a.example"u8));
        Assert.True(name.EqualsDotted("a.example."u8));
        Assert.True(name.EqualsDotted("\\097.example"u8));
        foreach (string text in (string[])["a.example..", ".a.example", "a..example", "a.exampl", "a.examplee", "a", "example", "a.example.com", "a.exampl\\", "a.exampl\\10", "a.exampl\\256", ""])
        {
            Assert.False(name.EqualsDotted(Encoding.ASCII.GetBytes(text)), text);
        }
    }

    [Fact]
    public void AmbiguousLabelBytes_AreEscaped_AndTheEscapesRoundTrip()
    {
        // Two labels: "a.b" and the bytes 0x20 '\' 'Z' 0xC8.
        var message = Parse(Concat(Header(1), [3, (byte)'a', (byte)'.', (byte)'b', 4, 0x20, (byte)'\\', (byte)'Z', 0xC8, 0], [0, 1, 0, 1]));
        Assert.True(message.TryGetQuestion(out var question));
        DnsName name = question.Name;

        const string Expected = "a\\.b.\\032\\\\z\\200";
        Assert.Equal(Expected, Text(name));
        Assert.Equal(Expected.Length, name.Length);
        Assert.Equal(2, name.LabelCount);
        Assert.True(name.EqualsDotted(Encoding.ASCII.GetBytes(Expected)));
        Assert.False(name.EqualsDotted("a.b.\\032\\\\z\\200"u8));
        Assert.False(name.EqualsDotted("a\\.b"u8));
    }

    [Fact]
    public void CopyTo_ATooSmallDestination_WritesNothing()
    {
        var message = Parse(DnsMessageBuilder.Query("www.example.com").Build());
        Assert.True(message.TryGetQuestion(out var question));
        var buffer = new byte[15];
        Assert.Equal(-1, question.Name.CopyTo(buffer.AsSpan(0, 14)));
        Assert.All(buffer, b => Assert.Equal(0, b));
        Assert.Equal(15, question.Name.CopyTo(buffer));
        Assert.Equal("www.example.com"u8.ToArray(), buffer);
    }

    [Fact]
    public void DefaultName_ReadsAsTheRoot()
    {
        DnsName name = default;
        Assert.True(name.IsRoot);
        Assert.Equal((0, 1, 0), (name.Length, name.WireLength, name.LabelCount));
        Assert.Equal(0, name.CopyTo([]));
        Assert.Equal(".", name.ToString());
        Assert.True(name.EqualsDotted("."u8));

        var message = Parse(DnsMessageBuilder.Response("x.example").Cname("x.example", "").Build());
        var answers = message.Answers;
        Assert.True(answers.MoveNext());
        Assert.True(name.Equals(answers.Current.CnameTarget));
        Assert.False(name.Equals(answers.Current.Name));
    }
}
