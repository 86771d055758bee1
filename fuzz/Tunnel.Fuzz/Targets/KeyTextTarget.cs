using System.Text;
using Tunnel.Core.Crypto;

namespace Tunnel.Fuzz.Targets;

/// <summary>The base64 and hex key parsers of wg-quick files and the UAPI protocol.</summary>
internal sealed class KeyTextTarget : IFuzzTarget
{
    public string Name => "key-text";

    public void Run(ReadOnlySpan<byte> data)
    {
        Span<char> text = stackalloc char[Math.Min(data.Length, 256)];
        int length = Encoding.Latin1.GetChars(data[..text.Length], text);
        text = text[..length];

        if (PublicKey.TryParse(text, out var key))
        {
            // A key that parses prints back in canonical form and parses again to the same key.
            if (!PublicKey.TryParse(key.ToBase64String(), out var again) || again != key)
            {
                throw new FuzzInvariantException("base64 key does not round-trip");
            }
        }

        if (PublicKey.TryParseHex(text, out var hexKey))
        {
            if (!string.Equals(hexKey.ToHexString(), text.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                throw new FuzzInvariantException("hex key does not round-trip");
            }
        }

        bool privateParsed = PrivateKey.TryParse(text, out var privateKey);
        bool presharedParsed = PresharedKey.TryParse(text, out var presharedKey);
        if (privateParsed != presharedParsed || (privateParsed && !privateKey.AsSpan().SequenceEqual(presharedKey.AsSpan())))
        {
            throw new FuzzInvariantException("private and preshared key parsers disagree");
        }

        privateKey.Clear();
        presharedKey.Clear();
    }
}
