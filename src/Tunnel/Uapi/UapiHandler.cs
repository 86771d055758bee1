using System.Net.Sockets;

namespace Tunnel.Uapi;

/// <summary>
/// The UAPI over a <see cref="TunnelHost"/>: a <c>get</c> answered from the host's configuration, a <c>set</c>
/// applied to it whole or not at all, and the host's exceptions answered with the errnos wireguard-go answers.
/// <see cref="UapiServer"/> serves it on a socket; it is public so the protocol can be carried another way.
/// </summary>
public static class UapiHandler
{
    /// <summary>The answer to <c>get=1</c>: the configuration and state, keys included, then <c>errno=0</c>.</summary>
    /// <param name="host">The host.</param>
    /// <returns>The answer's text, ending with the blank line that closes it.</returns>
    public static string Get(TunnelHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return UapiProtocol.FormatGet(host.GetState()) + UapiProtocol.FormatStatus(UapiErrno.None);
    }

    /// <summary>Applies a parsed <c>set=1</c> operation with <c>wg</c>'s semantics, all or nothing.</summary>
    /// <param name="host">The host.</param>
    /// <param name="request">The operation, from <see cref="UapiProtocol.TryParseSet"/>.</param>
    /// <param name="error">Why it was refused, when it was.</param>
    /// <returns>
    /// 0, or the negative errno to answer with: <see cref="UapiErrno.AddressInUse"/> for a port in use,
    /// <see cref="UapiErrno.InvalidArgument"/> for a change the device refuses, <see cref="UapiErrno.IOError"/>
    /// for anything else (a stopped host, a socket error).
    /// </returns>
    public static int Set(TunnelHost host, UapiSetRequest request, out string? error)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            host.Configure(request);
            error = null;
            return UapiErrno.None;
        }
        catch (SocketException socketError)
        {
            error = socketError.Message;
            return socketError.SocketErrorCode == SocketError.AddressAlreadyInUse ? UapiErrno.AddressInUse : UapiErrno.IOError;
        }
        catch (ArgumentException refused)
        {
            error = refused.Message;
            return UapiErrno.InvalidArgument;
        }
        catch (Exception stopped) when (stopped is ObjectDisposedException or InvalidOperationException)
        {
            error = stopped.Message;
            return UapiErrno.IOError;
        }
    }
}
