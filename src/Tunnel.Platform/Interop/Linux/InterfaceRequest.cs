using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Tunnel.Platform.Interop.Linux;

/// <summary>
/// <c>struct ifreq</c> (linux/if.h): a 16-byte interface name, then a 24-byte union of which the TUN and
/// MTU requests use the first <c>short</c> (flags) or <c>int</c> (MTU).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct InterfaceRequest
{
    /// <summary><c>IFNAMSIZ</c>: the name with its terminating NUL.</summary>
    public const int NameSize = 16;

    [FieldOffset(0)]
    public NameBuffer Name;

    [FieldOffset(16)]
    public short Flags;

    [FieldOffset(16)]
    public int Value;

    public static InterfaceRequest ForName(string name)
    {
        var request = default(InterfaceRequest);
        int written = Encoding.ASCII.GetBytes(name, request.Name);
        if (written >= NameSize)
        {
            throw new ArgumentException($"An interface name has at most {NameSize - 1} characters.", nameof(name));
        }

        return request;
    }

    public readonly string GetName()
    {
        ReadOnlySpan<byte> bytes = Name;
        int end = bytes.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? bytes : bytes[..end]);
    }

    [InlineArray(NameSize)]
    public struct NameBuffer
    {
        private byte _element;
    }
}
