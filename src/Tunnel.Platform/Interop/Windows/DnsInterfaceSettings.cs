using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

/// <summary><c>DNS_INTERFACE_SETTINGS</c> version 1 (netioapi.h); 64 bytes on 64-bit Windows.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DnsInterfaceSettings
{
    public const int Size = 64;
    public const uint Version1 = 1;

    /// <summary><c>DNS_SETTING_IPV6</c>: the servers given are IPv6 ones.</summary>
    public const ulong SettingIpv6 = 0x0001;

    /// <summary><c>DNS_SETTING_NAMESERVER</c>.</summary>
    public const ulong SettingNameServer = 0x0002;

    /// <summary><c>DNS_SETTING_SEARCHLIST</c>.</summary>
    public const ulong SettingSearchList = 0x0004;

    public uint Version;
    public ulong Flags;
    public char* Domain;

    /// <summary>Comma-separated addresses.</summary>
    public char* NameServer;

    /// <summary>Comma-separated domains.</summary>
    public char* SearchList;
    public uint RegistrationEnabled;
    public uint RegisterAdapterName;
    public uint EnableLlmnr;
    public uint QueryAdapterName;
    public char* ProfileNameServer;
}
