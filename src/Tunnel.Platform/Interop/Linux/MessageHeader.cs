using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Linux;

/// <summary><c>struct msghdr</c> (LP64 layout: 56 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MessageHeader
{
    public byte* Name;
    public uint NameLength;
    public Tunnel.Platform.Interop.Unix.Interop.IOVector* Vectors;
    public nuint VectorCount;
    public byte* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary><c>struct mmsghdr</c>: a message and the bytes the call moved for it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MultiMessageHeader
{
    public MessageHeader Header;
    public uint Length;
}

/// <summary><c>struct cmsghdr</c> and the <c>CMSG_*</c> arithmetic, for 64-bit Linux.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ControlMessageHeader
{
    /// <summary><c>sizeof(struct cmsghdr)</c>, already aligned.</summary>
    public const int Size = 16;

    public nuint Length;
    public int Level;
    public int Type;

    /// <summary><c>CMSG_SPACE</c>: a control message with <paramref name="data"/> bytes, padded for the next.</summary>
    public static int Space(int data) => Size + Align(data);

    /// <summary><c>CMSG_LEN</c>.</summary>
    public static int LengthFor(int data) => Size + data;

    /// <summary><c>CMSG_ALIGN</c>.</summary>
    public static int Align(int length) => (length + 7) & ~7;
}
