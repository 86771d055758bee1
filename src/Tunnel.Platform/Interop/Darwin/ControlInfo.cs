using System.Runtime.InteropServices;
using System.Text;

namespace Tunnel.Platform.Interop.Darwin;

/// <summary><c>struct ctl_info</c> (sys/kern_control.h): a kernel control's name in, its id out; 100 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ControlInfo
{
    public const int Size = 100;

    /// <summary><c>MAX_KCTL_NAME</c>.</summary>
    public const int MaxName = 96;

    /// <summary><c>UTUN_CONTROL_NAME</c> (net/if_utun.h).</summary>
    public const string UtunControlName = "com.apple.net.utun_control";

    public uint Id;
    public fixed byte Name[MaxName];

    /// <summary>A request for the id of the control named <paramref name="name"/>.</summary>
    public static ControlInfo ForName(string name)
    {
        var info = default(ControlInfo);
        int written = Encoding.ASCII.GetBytes(name, new Span<byte>(info.Name, MaxName - 1));
        info.Name[written] = 0;
        return info;
    }
}
