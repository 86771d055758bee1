using System.Net;

namespace Tunnel.Proxy;

/// <summary>The command line: <c>tunnel-proxy --config FILE --socks5 ADDRESS:PORT [--http ADDRESS:PORT]</c> (either listener, or both).</summary>
internal sealed record ProxyArguments(string ConfigPath, IPEndPoint? Socks5, IPEndPoint? Http)
{
    public const string Usage = "usage: tunnel-proxy --config <wg-quick .conf> --socks5 <address:port> [--http <address:port>]";

    /// <summary>Parses the arguments; on a mistake, <paramref name="error"/> says which.</summary>
    public static ProxyArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        string? config = null;
        IPEndPoint? socks5 = null;
        IPEndPoint? http = null;
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name is "--help" or "-h")
            {
                error = null;
                return null;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value.";
                return null;
            }

            string value = args[++i];
            switch (name)
            {
                case "--config" or "-c":
                    config = value;
                    break;
                case "--socks5" or "--http":
                    if (!IPEndPoint.TryParse(value, out IPEndPoint? endpoint))
                    {
                        error = $"{name} '{value}' is not an address and port, such as 127.0.0.1:{(name == "--http" ? 8080 : 1080)} (port 0 picks a free one).";
                        return null;
                    }

                    (name == "--http" ? ref http : ref socks5) = endpoint;
                    break;
                default:
                    error = $"unknown option '{name}'.";
                    return null;
            }
        }

        error = config is null ? "--config is required." : socks5 is null && http is null ? "--socks5 is required (or --http, or both)." : null;
        return error is null ? new ProxyArguments(config!, socks5, http) : null;
    }
}
