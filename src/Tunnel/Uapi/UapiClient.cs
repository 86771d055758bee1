using System.Net.Sockets;
using Tunnel.Uapi.Internal;

namespace Tunnel.Uapi;

/// <summary>
/// Talks to a WireGuard interface's UAPI socket (ours, wireguard-go's, or any cross-platform implementation),
/// the way <c>wg show</c> and <c>wg set</c> do.
/// </summary>
/// <param name="socketPath">The socket, for example <c>/var/run/wireguard/wg0.sock</c>.</param>
public sealed class UapiClient(string socketPath)
{
    /// <summary>The socket path.</summary>
    public string SocketPath { get; } = socketPath ?? throw new ArgumentNullException(nameof(socketPath));

    /// <summary>A client for an interface's socket in the standard directory.</summary>
    /// <param name="interfaceName">The interface name.</param>
    /// <returns>The client.</returns>
    public static UapiClient ForInterface(string interfaceName) => new(UapiServer.GetSocketPath(interfaceName));

    /// <summary>Sends <c>get=1</c> and reads the device's configuration and peer state.</summary>
    /// <param name="cancellationToken">Cancels the exchange.</param>
    /// <returns>The state.</returns>
    /// <exception cref="UapiException">The answer was an error or malformed.</exception>
    /// <exception cref="SocketException">Nothing listens on the socket.</exception>
    public async Task<UapiDeviceState> GetAsync(CancellationToken cancellationToken = default)
    {
        await using UapiConnection connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await connection.WriteAsync("get=1\n\n", cancellationToken).ConfigureAwait(false);
        List<string> lines = await connection.ReadBlockAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new UapiException("The device closed the connection before answering.");
        return UapiProtocol.TryParseGet(lines, out UapiDeviceState? state, out int errno, out string? error)
            ? state
            : throw new UapiException(error, errno);
    }

    /// <summary>Sends a <c>set=1</c> operation.</summary>
    /// <param name="request">The changes.</param>
    /// <param name="cancellationToken">Cancels the exchange.</param>
    /// <returns>A task that completes when the device has applied the request.</returns>
    /// <exception cref="UapiException">The device refused the request; its errno says why.</exception>
    /// <exception cref="SocketException">Nothing listens on the socket.</exception>
    public async Task SetAsync(UapiSetRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using UapiConnection connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await connection.WriteAsync("set=1\n" + UapiProtocol.FormatSet(request) + "\n", cancellationToken).ConfigureAwait(false);
        List<string> lines = await connection.ReadBlockAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new UapiException("The device closed the connection before answering.");
        if (lines is not [var status] || !status.StartsWith("errno=", StringComparison.Ordinal)
            || !int.TryParse(status.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture, out int errno))
        {
            throw new UapiException($"The answer to set was not a status line: '{string.Join("\\n", lines)}'.");
        }

        if (errno != UapiErrno.None)
        {
            throw new UapiException($"The device refused the configuration with errno {errno}.", errno);
        }
    }

    private async Task<UapiConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancellationToken).ConfigureAwait(false);
            return new UapiConnection(new NetworkStream(socket, ownsSocket: true));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
