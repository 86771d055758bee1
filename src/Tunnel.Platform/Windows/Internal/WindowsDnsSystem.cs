using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Win32;
using Tunnel.Platform.Interop.Windows;
using static Tunnel.Platform.Interop.Windows.Interop;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>
/// The real <see cref="IWindowsDnsSystem"/>: <c>SetInterfaceDnsSettings</c> once per address family, NRPT rules under
/// <c>HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DnsPolicyConfig</c> as volatile keys
/// (<c>Name</c> with the domain's leading dot, <c>GenericDNSServers</c>, <c>ConfigOptions</c> 8: only the generic
/// servers are set, <c>Version</c> 1, as [MS-GPNRPT] specifies), and <c>DnsFlushResolverCache</c>.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed unsafe class WindowsDnsSystem : IWindowsDnsSystem
{
    private const string LocalRules = @"SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DnsPolicyConfig";
    private const string PolicyRules = @"SOFTWARE\Policies\Microsoft\Windows NT\DNSClient\DnsPolicyConfig";

    public static WindowsDnsSystem Instance { get; } = new();

    public bool GroupPolicyRulesExist
    {
        get
        {
            using RegistryKey? key = Registry.LocalMachine.OpenSubKey(PolicyRules);
            return key is not null && key.SubKeyCount > 0;
        }
    }

    public void SetInterfaceDns(string interfaceName, IReadOnlyList<IPAddress> servers, IReadOnlyList<string> searchDomains)
    {
        ulong luid = WindowsNetwork.LuidOf(interfaceName);
        Guid guid;
        WindowsInterfaceControl.Check(ConvertInterfaceLuidToGuid(&luid, &guid), $"find the GUID of {interfaceName}");
        string search = string.Join(',', searchDomains);
        foreach (bool v6 in (ReadOnlySpan<bool>)[false, true])
        {
            string list = string.Join(',', servers.Where(server => server.AddressFamily == (v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork)));
            fixed (char* nameServer = list)
            fixed (char* searchList = search)
            {
                var settings = new DnsInterfaceSettings
                {
                    Version = DnsInterfaceSettings.Version1,
                    Flags = DnsInterfaceSettings.SettingNameServer | DnsInterfaceSettings.SettingSearchList | (v6 ? DnsInterfaceSettings.SettingIpv6 : 0),
                    NameServer = nameServer,
                    SearchList = searchList,
                };
                WindowsInterfaceControl.Check(SetInterfaceDnsSettings(guid, &settings), $"set the DNS servers of {interfaceName}");
            }
        }
    }

    public IReadOnlyList<string> RuleNames()
    {
        using RegistryKey? key = Registry.LocalMachine.OpenSubKey(LocalRules);
        return key?.GetSubKeyNames() ?? [];
    }

    public void WriteRule(string name, string domain, IReadOnlyList<IPAddress> servers)
    {
        using RegistryKey rules = Registry.LocalMachine.CreateSubKey(LocalRules, writable: true);
        using RegistryKey rule = rules.CreateSubKey(name, writable: true, RegistryOptions.Volatile);
        rule.SetValue("Version", 1, RegistryValueKind.DWord);
        rule.SetValue("Name", new[] { "." + domain }, RegistryValueKind.MultiString);
        rule.SetValue("GenericDNSServers", string.Join(';', servers), RegistryValueKind.String);
        rule.SetValue("ConfigOptions", 0x8, RegistryValueKind.DWord);
    }

    public void DeleteRule(string name)
    {
        using RegistryKey? rules = Registry.LocalMachine.OpenSubKey(LocalRules, writable: true);
        rules?.DeleteSubKeyTree(name, throwOnMissingSubKey: false);
    }

    public void FlushCache() => _ = DnsFlushResolverCache();
}
