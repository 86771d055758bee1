using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>SetInterfaceDnsSettings</c> (netioapi.h): an interface's name servers and search list, one address family per call (the GUID by value: on arm64 it travels in registers). Returns a Win32 error code, 0 on success.</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "SetInterfaceDnsSettings")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial int SetInterfaceDnsSettings(Guid interfaceGuid, DnsInterfaceSettings* settings);
}
