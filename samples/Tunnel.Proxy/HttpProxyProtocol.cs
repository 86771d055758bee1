using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tunnel.Proxy;

/// <summary>
/// The proxy side of HTTP/1.1 (RFC 9110 section 9.3.6, RFC 9112 section 3.2): <c>CONNECT host:port</c> opens a tunnel
/// (what clients use for https), and a request in absolute form (<c>GET http://host/path</c>, what clients send for plain
/// http) is forwarded in origin form with <c>Connection: close</c>, its hop-by-hop headers removed, so each client
/// connection carries one request. Names are resolved through the tunnel. The request head is bounded
/// (<see cref="MaxHeadBytes"/>); failures to connect are answered 502 or 504.
/// </summary>
internal sealed class HttpProxyProtocol : IProxyProtocol
{
    /// <summary>The largest request head accepted; a longer one is answered 431.</summary>
    public const int MaxHeadBytes = 16 * 1024;

    private static readonly System.Buffers.SearchValues<char> NotInAHost = System.Buffers.SearchValues.Create(" :/\\?#@");

    private static readonly string[] HopByHop = ["connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate", "te", "trailer", "upgrade"];

    /// <summary>The protocol, which keeps no state of its own.</summary>
    public static HttpProxyProtocol Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "HTTP";

    /// <inheritdoc/>
    public async Task<ProxyRequest?> NegotiateAsync(Stream client, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MaxHeadBytes];
        int filled = 0;
        int end;
        while ((end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (filled == buffer.Length)
            {
                await RespondAsync(client, 431, "Request Header Fields Too Large", $"the request head is longer than {MaxHeadBytes} bytes", cancellationToken).ConfigureAwait(false);
                return null;
            }

            int read = await client.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException("The client closed before its request head ended.");
            }

            filled += read;
        }

        ReadOnlyMemory<byte> early = buffer.AsMemory(end + 4, filled - end - 4);
        if (!Ascii.IsValid(buffer.AsSpan(0, end)))
        {
            await RespondAsync(client, 400, "Bad Request", "the request head is not ASCII", cancellationToken).ConfigureAwait(false);
            return null;
        }

        string[] lines = Encoding.ASCII.GetString(buffer, 0, end).Split("\r\n");
        string[] start = lines[0].Split(' ');
        if (start.Length != 3 || !start[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            await RespondAsync(client, 400, "Bad Request", "the request line is not 'METHOD target HTTP/1.x'", cancellationToken).ConfigureAwait(false);
            return null;
        }

        (string method, string target) = (start[0], start[1]);
        if (method == "CONNECT")
        {
            if (!TryParseAuthority(target, defaultPort: null, out string host, out int port))
            {
                await RespondAsync(client, 400, "Bad Request", $"CONNECT needs host:port, not '{target}'", cancellationToken).ConfigureAwait(false);
                return null;
            }

            return new ProxyRequest(host, port, early.ToArray());
        }

        if (!target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            string why = target.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                ? "an https target needs CONNECT"
                : "a proxy needs an absolute target (http://host/path) or CONNECT";
            await RespondAsync(client, 400, "Bad Request", why, cancellationToken).ConfigureAwait(false);
            return null;
        }

        int pathStart = target.IndexOf('/', "http://".Length);
        string authority = pathStart < 0 ? target["http://".Length..] : target["http://".Length..pathStart];
        string path = pathStart < 0 ? "/" : target[pathStart..];
        if (authority.Contains('@', StringComparison.Ordinal) || !TryParseAuthority(authority, defaultPort: 80, out string forwardHost, out int forwardPort))
        {
            await RespondAsync(client, 400, "Bad Request", $"'{authority}' is not host[:port]", cancellationToken).ConfigureAwait(false);
            return null;
        }

        return new ProxyRequest(forwardHost, forwardPort, OriginForm(method, path, start[2], lines, early.Span), Tunnelled: false);
    }

    /// <inheritdoc/>
    public Task ReplyConnectedAsync(Stream client, ProxyRequest request, IPEndPoint? bound, CancellationToken cancellationToken) => request.Tunnelled
        ? client.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), cancellationToken).AsTask()
        : Task.CompletedTask;

    /// <inheritdoc/>
    public Task ReplyFailedAsync(Stream client, Exception error, CancellationToken cancellationToken) => error switch
    {
        OperationCanceledException or SocketException { SocketErrorCode: SocketError.TimedOut } =>
            RespondAsync(client, 504, "Gateway Timeout", "the destination did not answer in time", cancellationToken),
        _ => RespondAsync(client, 502, "Bad Gateway", error.Message, cancellationToken),
    };

    /// <summary>Parses <c>host:port</c>, <c>[v6]:port</c>, or (with a default port) a bare host.</summary>
    internal static bool TryParseAuthority(string authority, int? defaultPort, out string host, out int port)
    {
        host = "";
        port = 0;
        string portText;
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !IPAddress.TryParse(authority.AsSpan(1, close - 1), out _))
            {
                return false;
            }

            host = authority[1..close];
            portText = authority[(close + 1)..];
        }
        else
        {
            int colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            portText = colon < 0 ? "" : authority[colon..];
            if (host.Length == 0 || host.AsSpan().IndexOfAny(NotInAHost) >= 0)
            {
                return false;
            }
        }

        if (portText.Length == 0)
        {
            port = defaultPort ?? 0;
            return defaultPort is not null;
        }

        return portText[0] == ':'
            && int.TryParse(portText.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            && port is > 0 and <= 65535;
    }

    /// <summary>The request again, in origin form, with <c>Connection: close</c> and without hop-by-hop headers.</summary>
    private static byte[] OriginForm(string method, string path, string version, string[] lines, ReadOnlySpan<byte> early)
    {
        // Headers the client's Connection header names are hop-by-hop too (RFC 9110 section 7.6.1).
        var dropped = new HashSet<string>(HopByHop, StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            if (line.StartsWith("connection:", StringComparison.OrdinalIgnoreCase) || line.StartsWith("proxy-connection:", StringComparison.OrdinalIgnoreCase))
            {
                foreach (string name in line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    dropped.Add(name);
                }
            }
        }

        var head = new StringBuilder().Append(method).Append(' ').Append(path).Append(' ').Append(version).Append("\r\n");
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && !dropped.Contains(line[..colon].Trim()))
            {
                head.Append(line).Append("\r\n");
            }
        }

        head.Append("Connection: close\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. early];
    }

    private static Task RespondAsync(Stream client, int status, string reason, string message, CancellationToken cancellationToken)
    {
        byte[] body = Encoding.UTF8.GetBytes($"tunnel-proxy: {message}\n");
        byte[] head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        return client.WriteAsync((byte[])[.. head, .. body], cancellationToken).AsTask();
    }
}
