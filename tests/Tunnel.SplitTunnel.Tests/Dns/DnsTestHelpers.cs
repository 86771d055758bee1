using System.Text;
using Tunnel.Dns;

namespace Tunnel.SplitTunnel.Tests.Dns;

internal static class DnsTestHelpers
{
    /// <summary>Parses a message the test expects to be well formed.</summary>
    internal static DnsMessage Parse(byte[] bytes)
    {
        bool parsed = DnsMessage.TryParse(bytes, out DnsMessage message, out DnsParseError error);
        Assert.Equal(DnsParseError.None, error);
        Assert.True(parsed);
        return message;
    }

    /// <summary>Why a message the test expects to be rejected is rejected.</summary>
    internal static DnsParseError Error(byte[] bytes)
    {
        bool parsed = DnsMessage.TryParse(bytes, out DnsMessage message, out DnsParseError error);
        Assert.False(parsed);
        Assert.True(message.Bytes.IsEmpty);
        return error;
    }

    internal static string Text(DnsName name)
    {
        Span<byte> text = stackalloc byte[DnsName.MaxLength];
        int written = name.CopyTo(text);
        Assert.Equal(name.Length, written);
        return Encoding.ASCII.GetString(text[..written]);
    }

    internal static string Address(ReadOnlySpan<byte> address) => new System.Net.IPAddress(address).ToString();

    internal static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    internal static byte[] Header(ushort questions = 0, ushort answers = 0, ushort authorities = 0, ushort additionals = 0, ushort flags = 0x8180) =>
        [0x12, 0x34, (byte)(flags >> 8), (byte)flags, 0, (byte)questions, 0, (byte)answers, 0, (byte)authorities, 0, (byte)additionals];
}
