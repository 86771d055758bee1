using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Tunnel.LocalApi;

namespace Tunnel.Cli;

/// <summary>
/// The agent's local API: JSON over HTTP/1.1 on its UNIX socket. Every call returns a
/// <see cref="LocalApiResult{T}"/> instead of throwing, so each command maps failures to exit codes the same way.
/// </summary>
internal sealed class LocalApiClient : IDisposable
{
    /// <summary>The socket the agent listens on unless told otherwise.</summary>
    public static string DefaultSocketPath => Tunnel.LocalApi.LocalApiPaths.DefaultSocket;

    /// <summary>
    /// How long a request may wait for its answer: the agent answers from memory, and connect, the slowest, waits
    /// for a handshake it retries every few seconds, so a silence this long means a hung agent.
    /// </summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    // errno values on Linux; SocketError folds EPERM into other codes, so the raw number is checked as well.
    private const int Eperm = 1;
    private const int Enoent = 2;
    private const int Eacces = 13;

    private readonly HttpClient _http;

    /// <summary>A client for the agent listening on <paramref name="socketPath"/>.</summary>
    /// <param name="socketPath">The UNIX socket's path.</param>
    public LocalApiClient(string socketPath)
    {
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            // An HTTP proxy from the environment would be asked for "localhost", which is not where the agent is.
            UseProxy = false,
            ConnectCallback = async (_, cancellationToken) =>
            {
                if (OperatingSystem.IsWindows())
                {
                    return await ConnectPipeAsync(socketPath, cancellationToken).ConfigureAwait(false);
                }

                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };

        // The host name only fills the Host header; the connect callback decides where requests go.
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://localhost"), Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The UNIX socket's path, or on Windows the named pipe's name.</summary>
    public string SocketPath { get; }

    /// <summary>How long to wait for the agent's pipe on Windows before saying it is not running.</summary>
    private static readonly TimeSpan PipeConnectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Connects to the agent's named pipe; the pipe's ACL decides who may.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private static async ValueTask<Stream> ConnectPipeAsync(string pipeName, CancellationToken cancellationToken)
    {
        var pipe = new System.IO.Pipes.NamedPipeClientStream(".", pipeName, System.IO.Pipes.PipeDirection.InOut, System.IO.Pipes.PipeOptions.Asynchronous);
        try
        {
            await pipe.ConnectAsync(PipeConnectTimeout, cancellationToken).ConfigureAwait(false);
            return pipe;
        }
        catch
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>GETs <paramref name="pathAndQuery"/> and reads the answer as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The answer's contract type.</typeparam>
    /// <param name="pathAndQuery">A <see cref="LocalApiPaths"/> route, with its query if any.</param>
    /// <param name="responseType">The answer's JSON metadata.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<LocalApiResult<T>> GetAsync<T>(string pathAndQuery, JsonTypeInfo<T> responseType, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, pathAndQuery), responseType, cancellationToken);

    /// <summary>Sends a request without a body (POST to an action, DELETE) and reads the answer, if one is expected.</summary>
    /// <typeparam name="T">The answer's contract type.</typeparam>
    /// <param name="method">The HTTP method.</param>
    /// <param name="pathAndQuery">A <see cref="LocalApiPaths"/> route, with its query if any.</param>
    /// <param name="responseType">The answer's JSON metadata; null when the answer has no body (204).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<LocalApiResult<T>> SendAsync<T>(HttpMethod method, string pathAndQuery, JsonTypeInfo<T>? responseType, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(method, pathAndQuery), responseType, cancellationToken);

    /// <summary>Sends <paramref name="body"/> as JSON and reads the answer as <typeparamref name="T"/>.</summary>
    /// <typeparam name="TRequest">The request's contract type.</typeparam>
    /// <typeparam name="T">The answer's contract type.</typeparam>
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">A <see cref="LocalApiPaths"/> route.</param>
    /// <param name="body">The request.</param>
    /// <param name="requestType">The request's JSON metadata.</param>
    /// <param name="responseType">The answer's JSON metadata.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<LocalApiResult<T>> SendAsync<TRequest, T>(HttpMethod method, string path, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<T> responseType, CancellationToken cancellationToken)
    {
        // A string body has a Content-Length; a streamed JSON body would be sent chunked for no gain.
        var content = new StringContent(JsonSerializer.Serialize(body, requestType), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return SendAsync(new HttpRequestMessage(method, path) { Content = content }, responseType, cancellationToken);
    }

    /// <summary>
    /// Follows <c>GET /v1/watch</c>, calling <paramref name="onEvent"/> for each line, until the agent ends the
    /// stream (null) or the call fails (the failure). Cancellation throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="onEvent">Gets each line as sent and as read.</param>
    /// <param name="cancellationToken">Stops watching.</param>
    public async Task<LocalApiFailure?> WatchAsync(Action<string, AgentEvent> onEvent, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, LocalApiPaths.Watch);
        try
        {
            using var response = await SendForHeadersAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                string error = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                return FailureFor(response.StatusCode, error);
            }

            using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                var agentEvent = JsonSerializer.Deserialize(line, LocalApiJsonContext.Default.AgentEvent)
                    ?? throw new JsonException("an event is null");
                onEvent(line, agentEvent);
            }

            return null;
        }
        catch (Exception e) when (Classify(e, cancellationToken) is { } failure)
        {
            return failure;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<LocalApiResult<T>> SendAsync<T>(HttpRequestMessage request, JsonTypeInfo<T>? responseType, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(RequestTimeout);
                using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                string body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    return LocalApiResult<T>.Fail(FailureFor(response.StatusCode, body));
                }

                if (responseType is null || body.Length == 0)
                {
                    return LocalApiResult<T>.Success(default, body.Length == 0 ? null : body);
                }

                var value = JsonSerializer.Deserialize(body, responseType) ?? throw new JsonException("the answer is null");
                return LocalApiResult<T>.Success(value, body);
            }
            catch (Exception e) when (Classify(e, cancellationToken) is { } failure)
            {
                return LocalApiResult<T>.Fail(failure);
            }
        }
    }

    private async Task<HttpResponseMessage> SendForHeadersAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Only the headers are timed: the body of a watch never ends by design.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
    }

    private LocalApiFailure FailureFor(HttpStatusCode status, string body)
    {
        string? error = null;
        try
        {
            error = JsonSerializer.Deserialize(body, LocalApiJsonContext.Default.ErrorResponse)?.Error;
        }
        catch (JsonException)
        {
            // Not the contract's error shape (a proxy, a crash page): fall back to the status line below.
        }

        if (status == HttpStatusCode.Forbidden)
        {
            // The agent knows who it admits (its group's name); say it in its words when it did.
            return string.IsNullOrWhiteSpace(error) ? AccessDenied() : new LocalApiFailure(LocalApiFailureKind.AccessDenied, error);
        }

        return new LocalApiFailure(
            LocalApiFailureKind.Rejected,
            string.IsNullOrWhiteSpace(error) ? $"the agent answered {(int)status} {status}" : error);
    }

    /// <summary>Turns an exception into a failure; null (rethrow) for a cancellation the caller asked for.</summary>
    private LocalApiFailure? Classify(Exception e, CancellationToken cancellationToken)
    {
        if (e is OperationCanceledException)
        {
            return cancellationToken.IsCancellationRequested
                ? null
                : new LocalApiFailure(LocalApiFailureKind.Broken, $"the agent did not answer within {RequestTimeout.TotalSeconds:0} s");
        }

        if (e is JsonException json)
        {
            return new LocalApiFailure(LocalApiFailureKind.Broken, $"the agent's answer is not valid JSON for this request: {json.Message}");
        }

        if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError, InnerException: SocketException socket })
        {
            return ConnectFailure(socket);
        }

        // Windows: no pipe of that name within the wait, or its ACL refused this user.
        if (e is HttpRequestException { InnerException: TimeoutException })
        {
            return new LocalApiFailure(LocalApiFailureKind.NotRunning, $"the agent is not running (no pipe \\\\.\\pipe\\{SocketPath})");
        }

        if (e is HttpRequestException { InnerException: UnauthorizedAccessException })
        {
            return AccessDenied();
        }

        return e is HttpRequestException or IOException
            ? new LocalApiFailure(LocalApiFailureKind.Broken, $"the connection to the agent failed: {e.Message}")
            : null;
    }

    private LocalApiFailure ConnectFailure(SocketException socket)
    {
        if (socket.SocketErrorCode == SocketError.AccessDenied || socket.NativeErrorCode is Eacces or Eperm)
        {
            return AccessDenied();
        }

        if (socket.NativeErrorCode == Enoent || socket.SocketErrorCode == SocketError.AddressNotAvailable || !File.Exists(SocketPath))
        {
            return new LocalApiFailure(LocalApiFailureKind.NotRunning, $"the agent is not running (no socket at {SocketPath})");
        }

        return socket.SocketErrorCode == SocketError.ConnectionRefused
            ? new LocalApiFailure(LocalApiFailureKind.NotRunning, $"the agent is not running (nothing is listening on {SocketPath})")
            : new LocalApiFailure(LocalApiFailureKind.Broken, $"cannot connect to the agent at {SocketPath}: {socket.Message}");
    }

    private LocalApiFailure AccessDenied() => new(
        LocalApiFailureKind.AccessDenied,
        OperatingSystem.IsWindows()
            ? $"access denied: only administrators, SYSTEM and members of the agent's group may use the agent's pipe {SocketPath}"
            : $"access denied: only root and members of the agent's group may use the agent at {SocketPath}");
}
