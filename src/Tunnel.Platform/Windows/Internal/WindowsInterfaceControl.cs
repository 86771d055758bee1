using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tunnel.Platform.Interop.Windows;
using static Tunnel.Platform.Interop.Windows.Interop;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>An interface's per-family settings through <c>GetIpInterfaceEntry</c> / <c>SetIpInterfaceEntry</c>: MTU and metric.</summary>
[SupportedOSPlatform("windows")]
internal static unsafe class WindowsInterfaceControl
{
    /// <summary>The interface's MTU: the smaller of its IPv4 and IPv6 settings, since one device carries both families.</summary>
    public static int GetMtu(ulong luid)
    {
        IpInterfaceRow v4 = Read(luid, SocketAddressInet.AfInet);
        IpInterfaceRow v6 = default;
        InitializeIpInterfaceEntry(&v6);
        v6.Family = SocketAddressInet.AfInet6;
        v6.InterfaceLuid = luid;
        return GetIpInterfaceEntry(&v6) == 0 && v6.NlMtu < v4.NlMtu ? (int)v6.NlMtu : (int)v4.NlMtu; // IPv6 may be off
    }

    /// <summary>Sets the MTU for IPv4 and IPv6 (an interface without IPv6 keeps its IPv4 setting).</summary>
    public static void SetMtu(ulong luid, int mtu) => Change(luid, (ref IpInterfaceRow row) => row.NlMtu = (uint)mtu, $"set the MTU to {mtu}");

    /// <summary>Sets a fixed interface metric, so the tunnel's routes win over the physical interfaces' equal ones.</summary>
    public static void SetMetric(ulong luid, uint metric) => Change(luid, (ref IpInterfaceRow row) =>
    {
        row.UseAutomaticMetric = 0;
        row.Metric = metric;
    }, $"set the interface metric to {metric}");

    private delegate void Edit(ref IpInterfaceRow row);

    private static void Change(ulong luid, Edit edit, string what)
    {
        foreach (ushort family in (ReadOnlySpan<ushort>)[SocketAddressInet.AfInet, SocketAddressInet.AfInet6])
        {
            IpInterfaceRow row = default;
            InitializeIpInterfaceEntry(&row);
            row.Family = family;
            row.InterfaceLuid = luid;
            int error = GetIpInterfaceEntry(&row);
            if (error == Errors.ERROR_NOT_FOUND && family == SocketAddressInet.AfInet6)
            {
                continue; // IPv6 disabled on this interface
            }

            Check(error, what);
            edit(ref row);
            if (family == SocketAddressInet.AfInet)
            {
                row.SitePrefixLength = 0; // SetIpInterfaceEntry refuses IPv4 rows that carry one
            }

            Check(SetIpInterfaceEntry(&row), what);
        }
    }

    private static IpInterfaceRow Read(ulong luid, ushort family)
    {
        IpInterfaceRow row = default;
        InitializeIpInterfaceEntry(&row);
        row.Family = family;
        row.InterfaceLuid = luid;
        Check(GetIpInterfaceEntry(&row), "read the interface's settings");
        return row;
    }

    public static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw Failure(what, error);
        }
    }

    public static IOException Failure(string what, int error) =>
        new($"Cannot {what}: {Marshal.GetPInvokeErrorMessage(error)} (Win32 error {error}).", error);
}
