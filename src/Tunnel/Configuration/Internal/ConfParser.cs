using System.Globalization;
using System.Net;
using Tunnel.Core.Crypto;

namespace Tunnel.Configuration.Internal;

/// <summary>Reads wg-quick's configuration format line by line, failing on the first bad line with its number.</summary>
internal static class ConfParser
{
    private enum Section
    {
        None,
        Interface,
        Peer,
    }

    internal static WireGuardConfiguration Parse(string text)
    {
        var iface = new InterfaceBuilder();
        var peers = new List<PeerConfiguration>();
        PeerBuilder? peer = null;
        var section = Section.None;
        bool sawInterface = false;

        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int number = i + 1;
            ReadOnlySpan<char> line = lines[i].AsSpan();
            int hash = line.IndexOf('#');
            if (hash >= 0)
            {
                line = line[..hash];
            }

            line = line.Trim();
            if (line.IsEmpty)
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (peer is not null)
                {
                    peers.Add(peer.Build());
                    peer = null;
                }

                if (line.Equals("[Interface]", StringComparison.OrdinalIgnoreCase))
                {
                    if (sawInterface)
                    {
                        throw Error(number, "a second [Interface] section");
                    }

                    sawInterface = true;
                    section = Section.Interface;
                }
                else if (line.Equals("[Peer]", StringComparison.OrdinalIgnoreCase))
                {
                    section = Section.Peer;
                    peer = new PeerBuilder(number);
                }
                else
                {
                    throw Error(number, $"unknown section '{line}'");
                }

                continue;
            }

            int equals = line.IndexOf('=');
            if (equals <= 0)
            {
                throw Error(number, "expected 'Key = Value'");
            }

            string key = line[..equals].Trim().ToString();
            string value = line[(equals + 1)..].Trim().ToString();
            switch (section)
            {
                case Section.Interface:
                    iface.Set(number, key, value);
                    break;
                case Section.Peer:
                    peer!.Set(number, key, value);
                    break;
                default:
                    throw Error(number, $"'{key}' outside a section");
            }
        }

        if (peer is not null)
        {
            peers.Add(peer.Build());
        }

        return new WireGuardConfiguration { Interface = iface.Build(), Peers = peers };
    }

    private static WireGuardConfigurationException Error(int line, string problem) => new(line, problem);

    private static string[] Items(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static ushort? ParseOffOrUInt16(int line, string key, string value)
    {
        if (value.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ushort number)
            ? number
            : throw Error(line, $"{key} must be 'off' or a number from 0 to 65535, not '{value}'");
    }

    private sealed class InterfaceBuilder
    {
        private readonly List<InterfaceAddress> _addresses = [];
        private readonly List<IPAddress> _dnsServers = [];
        private readonly List<string> _dnsSearch = [];
        private readonly List<string> _preUp = [], _postUp = [], _preDown = [], _postDown = [];
        private PrivateKey? _privateKey;
        private ushort? _listenPort;
        private uint? _fwMark;
        private int? _mtu;
        private string? _table;
        private bool? _saveConfig;

        public void Set(int line, string key, string value)
        {
            switch (key.ToUpperInvariant())
            {
                case "PRIVATEKEY":
                    _privateKey = PrivateKey.TryParse(value, out var privateKey)
                        ? privateKey
                        : throw Error(line, "PrivateKey is not a 44-character base64 key");
                    break;
                case "LISTENPORT":
                    _listenPort = ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ushort port)
                        ? port
                        : throw Error(line, $"ListenPort must be a number from 0 to 65535, not '{value}'");
                    break;
                case "FWMARK":
                    _fwMark = ParseFwMark(line, value);
                    break;
                case "ADDRESS":
                    foreach (string item in Items(value))
                    {
                        _addresses.Add(InterfaceAddress.TryParse(item, out var address)
                            ? address
                            : throw Error(line, $"'{item}' is not an address with an optional /prefix"));
                    }

                    break;
                case "DNS":
                    foreach (string item in Items(value))
                    {
                        if (IPAddress.TryParse(item, out var server))
                        {
                            _dnsServers.Add(server);
                        }
                        else if (IsDomain(item))
                        {
                            _dnsSearch.Add(item);
                        }
                        else
                        {
                            throw Error(line, $"'{item}' is neither a DNS server address nor a search domain");
                        }
                    }

                    break;
                case "MTU":
                    _mtu = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int mtu) && mtu is >= 576 and <= 65535
                        ? mtu
                        : throw Error(line, $"MTU must be a number from 576 to 65535, not '{value}'");
                    break;
                case "TABLE":
                    _table = value.Length > 0 && !value.Any(char.IsWhiteSpace)
                        ? value
                        : throw Error(line, "Table must be 'off', 'auto', a number or a table name");
                    break;
                case "PREUP":
                    _preUp.Add(value);
                    break;
                case "POSTUP":
                    _postUp.Add(value);
                    break;
                case "PREDOWN":
                    _preDown.Add(value);
                    break;
                case "POSTDOWN":
                    _postDown.Add(value);
                    break;
                case "SAVECONFIG":
                    _saveConfig = bool.TryParse(value, out bool save)
                        ? save
                        : throw Error(line, $"SaveConfig must be 'true' or 'false', not '{value}'");
                    break;
                default:
                    throw Error(line, $"unknown key '{key}' in [Interface]");
            }
        }

        public InterfaceConfiguration Build() => new()
        {
            PrivateKey = _privateKey,
            ListenPort = _listenPort,
            FwMark = _fwMark,
            Addresses = _addresses,
            DnsServers = _dnsServers,
            DnsSearchDomains = _dnsSearch,
            Mtu = _mtu,
            Table = _table,
            PreUp = _preUp,
            PostUp = _postUp,
            PreDown = _preDown,
            PostDown = _postDown,
            SaveConfig = _saveConfig,
        };

        private static uint? ParseFwMark(int line, string value)
        {
            if (value.Equals("off", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            bool ok = value.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? uint.TryParse(value.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint mark)
                : uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out mark);
            if (!ok)
            {
                throw Error(line, $"FwMark must be 'off' or a 32-bit number (decimal or 0x hex), not '{value}'");
            }

            return mark == 0 ? null : mark;
        }

        private static bool IsDomain(string value) =>
            value.Length is > 0 and <= 253 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_');
    }

    private sealed class PeerBuilder(int sectionLine)
    {
        private readonly List<IPNetwork> _allowedIps = [];
        private PublicKey? _publicKey;
        private PresharedKey? _presharedKey;
        private PeerEndpoint? _endpoint;
        private ushort? _persistentKeepalive;

        public void Set(int line, string key, string value)
        {
            switch (key.ToUpperInvariant())
            {
                case "PUBLICKEY":
                    _publicKey = PublicKey.TryParse(value, out var publicKey)
                        ? publicKey
                        : throw Error(line, "PublicKey is not a 44-character base64 key");
                    break;
                case "PRESHAREDKEY":
                    _presharedKey = PresharedKey.TryParse(value, out var presharedKey)
                        ? presharedKey
                        : throw Error(line, "PresharedKey is not a 44-character base64 key");
                    break;
                case "ALLOWEDIPS":
                    foreach (string item in Items(value))
                    {
                        // wg accepts host bits in an allowed IP and clears them.
                        if (!InterfaceAddress.TryParse(item, out var prefix))
                        {
                            throw Error(line, $"'{item}' is not an address with an optional /prefix");
                        }

                        _allowedIps.Add(prefix.ToNetwork());
                    }

                    break;
                case "ENDPOINT":
                    _endpoint = PeerEndpoint.TryParse(value, out var endpoint)
                        ? endpoint
                        : throw Error(line, $"Endpoint must be host:port or [IPv6]:port, not '{value}'");
                    break;
                case "PERSISTENTKEEPALIVE":
                    ushort? interval = ParseOffOrUInt16(line, key, value);
                    _persistentKeepalive = interval == 0 ? null : interval;
                    break;
                default:
                    throw Error(line, $"unknown key '{key}' in [Peer]");
            }
        }

        public PeerConfiguration Build() => new()
        {
            PublicKey = _publicKey ?? throw Error(sectionLine, "this [Peer] section has no PublicKey"),
            PresharedKey = _presharedKey,
            AllowedIps = _allowedIps,
            Endpoint = _endpoint,
            PersistentKeepalive = _persistentKeepalive,
        };
    }
}
