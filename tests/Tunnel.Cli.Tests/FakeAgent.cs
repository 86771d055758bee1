using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Tunnel.Cli.Tests;

/// <summary>A request the fake agent received.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Target">The path and query, as sent.</param>
/// <param name="Body">The body, empty when there was none.</param>
internal sealed record RecordedRequest(string Method, string Target, string Body)
{
    /// <summary>The path without the query.</summary>
    public string Path => Target.Split('?')[0];

    /// <summary>The query without the '?', still encoded.</summary>
    public string Query => Target.Contains('?', StringComparison.Ordinal) ? Target[(Target.IndexOf('?', StringComparison.Ordinal) + 1)..] : "";
}

/// <summary>What the fake agent answers to one route.</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Body">A JSON body, or null for none.</param>
/// <param name="StreamLines">For a streamed answer (watch): lines written one by one, then the connection closes.</param>
/// <param name="KeepOpen">For a streamed answer: leave the stream open after the lines, until the test ends.</param>
internal sealed record FakeResponse(int Status, string? Body = null, IReadOnlyList<string>? StreamLines = null, bool KeepOpen = false)
{
    /// <summary>200 with a JSON body.</summary>
    public static FakeResponse Json(string body, int status = 200) => new(status, body);

    /// <summary>An error the way the agent sends them.</summary>
    public static FakeResponse Error(int status, string message) => new(status, $$"""{"error":"{{message}}"}""");
}

/// <summary>
/// An HTTP/1.1 server on a temporary UNIX socket that answers canned responses by "METHOD /path" and records
/// every request, so tests see exactly what tunnelctl sent. One request per connection, like tunnelctl's use.
/// </summary>
internal sealed class FakeAgent : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<string, FakeResponse> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public FakeAgent()
    {
        // UNIX socket paths are limited to 107 bytes, so keep it short rather than nested in a test folder.
        SocketPath = Path.Combine(Path.GetTempPath(), $"tctl-{Guid.NewGuid():N}"[..13] + ".sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(16);
        _acceptLoop = AcceptLoopAsync();
    }

    public string SocketPath { get; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Answers <paramref name="method"/> <paramref name="path"/> (query ignored) with <paramref name="response"/>.</summary>
    public FakeAgent On(string method, string path, FakeResponse response)
    {
        _routes[$"{method} {path}"] = response;
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
        File.Delete(SocketPath);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var connection = await _listener.AcceptAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        using (connection)
        await using (var stream = new NetworkStream(connection, ownsSocket: false))
        {
            try
            {
                var request = await ReadRequestAsync(stream, _stop.Token);
                if (request is null)
                {
                    return;
                }

                _requests.Enqueue(request);
                var response = _routes.GetValueOrDefault($"{request.Method} {request.Path}")
                    ?? FakeResponse.Error(404, $"no route for {request.Method} {request.Path}");
                await WriteResponseAsync(stream, response, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                // The client left or the test ended.
            }
        }
    }

    private static async Task<RecordedRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>();
        byte[] one = new byte[1];
        while (!EndsWithBlankLine(head))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                return null;
            }

            head.Add(one[0]);
        }

        string[] lines = Encoding.ASCII.GetString([.. head]).Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        int contentLength = 0;
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = int.Parse(line[(colon + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        byte[] body = new byte[contentLength];
        await stream.ReadExactlyAsync(body, cancellationToken);
        return new RecordedRequest(requestLine[0], requestLine[1], Encoding.UTF8.GetString(body));
    }

    private static bool EndsWithBlankLine(List<byte> head) =>
        head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n';

    private async Task WriteResponseAsync(NetworkStream stream, FakeResponse response, CancellationToken cancellationToken)
    {
        var headers = new StringBuilder($"HTTP/1.1 {response.Status} Fake\r\nConnection: close\r\n");
        if (response.StreamLines is null)
        {
            byte[] body = Encoding.UTF8.GetBytes(response.Body ?? "");
            if (response.Body is not null)
            {
                headers.Append("Content-Type: application/json; charset=utf-8\r\n");
            }

            headers.Append(System.Globalization.CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(headers.ToString()), cancellationToken);
            await stream.WriteAsync(body, cancellationToken);
            return;
        }

        // No length: the body ends when the connection closes, as a stream the agent stops sending would.
        headers.Append("Content-Type: application/x-ndjson\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(headers.ToString()), cancellationToken);
        foreach (string line in response.StreamLines)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await Task.Delay(10, cancellationToken);
        }

        if (response.KeepOpen)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}
