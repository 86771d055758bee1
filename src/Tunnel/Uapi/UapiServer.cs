using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tunnel.Uapi.Internal;

namespace Tunnel.Uapi;

/// <summary>
/// Serves a <see cref="TunnelHost"/> on a UNIX socket with the cross-platform configuration protocol, so the
/// stock <c>wg</c> tool shows and configures it: <c>get=1</c> answers with wireguard-go's keys and order and
/// <c>errno=0</c>; <c>set=1</c> is validated whole and applied whole, answering a negative errno and changing
/// nothing when it fails; any other operation closes the connection, as wireguard-go does.
/// </summary>
public sealed partial class UapiServer : IAsyncDisposable
{
    /// <summary>Where <c>wg</c> looks for userspace interfaces' sockets.</summary>
    public const string SocketDirectory = "/var/run/wireguard";

    private readonly TunnelHost _host;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _listener;
    private FileSystemWatcher? _watcher;
    private Task? _acceptLoop;

    /// <summary>Creates a server; <see cref="Start"/> opens the socket.</summary>
    /// <param name="host">The interface to serve.</param>
    /// <param name="socketPath">The socket path; by default <c>/var/run/wireguard/&lt;name&gt;.sock</c>.</param>
    /// <param name="loggerFactory">Where logs go.</param>
    public UapiServer(TunnelHost host, string? socketPath = null, ILoggerFactory? loggerFactory = null)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        SocketPath = socketPath ?? GetSocketPath(host.Name);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Tunnel.Uapi.UapiServer");
    }

    /// <summary>The socket path.</summary>
    public string SocketPath { get; }

    /// <summary>
    /// Completes when the server stops: after <see cref="DisposeAsync"/>, or when someone deletes the socket
    /// file (wireguard-go's signal to shut the interface down).
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>The standard socket path of an interface.</summary>
    /// <param name="interfaceName">The interface name.</param>
    /// <returns><c>/var/run/wireguard/&lt;name&gt;.sock</c>.</returns>
    public static string GetSocketPath(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        return Path.Combine(SocketDirectory, interfaceName + ".sock");
    }

    /// <summary>Creates the directory (mode 0755) and the socket (mode 0600), and starts accepting.</summary>
    /// <exception cref="IOException">Another process serves the socket.</exception>
    public void Start()
    {
        string directory = Path.GetDirectoryName(SocketPath)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        RemoveStaleSocket();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _watcher = new FileSystemWatcher(directory, Path.GetFileName(SocketPath)) { NotifyFilter = NotifyFilters.FileName };
        _watcher.Deleted += (_, _) => OnSocketDeleted();
        _watcher.Renamed += (_, _) => OnSocketDeleted();
        _watcher.EnableRaisingEvents = true;
        _acceptLoop = AcceptAsync(_stopping.Token);
    }

    /// <summary>Stops accepting, closes the socket and deletes its file.</summary>
    /// <returns>A task that completes when the accept loop has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _watcher?.Dispose();
        _listener?.Dispose();
        if (_acceptLoop is { } loop)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
            // Already gone, or replaced by another server: nothing of ours to remove.
        }

        _completion.TrySetResult();
        _stopping.Dispose();
    }

    private void OnSocketDeleted()
    {
        if (!_stopping.IsCancellationRequested && !File.Exists(SocketPath))
        {
            Log.SocketDeleted(_logger, SocketPath);
            _completion.TrySetResult();
        }
    }

    private void RemoveStaleSocket()
    {
        if (!File.Exists(SocketPath))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(SocketPath));
        }
        catch (SocketException)
        {
            File.Delete(SocketPath); // left by a process that died: nobody answers
            return;
        }

        throw new IOException($"{SocketPath} is served by another process.");
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeAsync(client, cancellationToken);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken cancellationToken)
    {
        await using var connection = new UapiConnection(new NetworkStream(client, ownsSocket: true));
        try
        {
            while (await connection.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } operation)
            {
                List<string>? lines = operation is "get=1" or "set=1"
                    ? await connection.ReadBlockAsync(cancellationToken).ConfigureAwait(false)
                    : null;
                if (lines is null)
                {
                    Log.UnknownOperation(_logger, operation);
                    return; // unknown operation or a cut-off request: close, as wireguard-go does
                }

                string answer = operation == "get=1" ? Get() : Set(lines);
                await connection.WriteAsync(answer, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is IOException or InvalidDataException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            Log.ConnectionEnded(_logger, error.Message);
        }
    }

    private string Get() => UapiHandler.Get(_host);

    private string Set(List<string> lines)
    {
        if (!UapiProtocol.TryParseSet(lines, out UapiSetRequest? request, out int errno, out string? error))
        {
            Log.SetRefused(_logger, errno, error);
            return UapiProtocol.FormatStatus(errno);
        }

        errno = UapiHandler.Set(_host, request, out error);
        if (errno != UapiErrno.None)
        {
            Log.SetRefused(_logger, errno, error ?? "refused");
        }

        return UapiProtocol.FormatStatus(errno);
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Information, "The UAPI socket {Path} was deleted; the interface shuts down")]
        public static partial void SocketDeleted(ILogger logger, string path);

        [LoggerMessage(21, LogLevel.Debug, "A UAPI client sent the unknown operation '{Operation}'; connection closed")]
        public static partial void UnknownOperation(ILogger logger, string operation);

        [LoggerMessage(22, LogLevel.Debug, "A UAPI connection ended: {Reason}")]
        public static partial void ConnectionEnded(ILogger logger, string reason);

        [LoggerMessage(23, LogLevel.Warning, "A UAPI set request was refused with errno {Errno}: {Reason}")]
        public static partial void SetRefused(ILogger logger, int errno, string reason);
    }
}
