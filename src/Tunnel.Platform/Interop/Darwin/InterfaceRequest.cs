using System.Runtime.InteropServices;
using System.Text;

namespace Tunnel.Platform.Interop.Darwin;

/// <summary><c>struct ifreq</c> on Darwin: a 16-byte name and a 16-byte union; 32 bytes (Linux's is 40).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct InterfaceRequest
{
    public const int Size = 32;

    /// <summary><c>IFNAMSIZ</c>.</summary>
    public const int NameSize = 16;

    public fixed byte Name[NameSize];

    /// <summary>The union's first field as an integer: <c>ifru_mtu</c>, <c>ifru_metric</c>, or <c>ifru_flags</c> in its low 16 bits.</summary>
    public int Value;
    private fixed byte _rest[12];

    /// <summary>A request about the interface <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name does not fit with its terminator.</exception>
    public static InterfaceRequest ForName(string name)
    {
        var request = default(InterfaceRequest);
        WriteName(name, new Span<byte>(request.Name, NameSize));
        return request;
    }

    /// <summary>Writes an interface name, NUL-terminated, into a name field of <see cref="NameSize"/> bytes.</summary>
    public static void WriteName(string name, Span<byte> field)
    {
        if (name.Length is 0 or >= NameSize || !Ascii.IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not an interface name: 1 to {NameSize - 1} ASCII characters.", nameof(name));
        }

        field.Clear();
        Encoding.ASCII.GetBytes(name, field);
    }
}
