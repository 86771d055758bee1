using Tunnel.Net.Tcp;

namespace Tunnel.Net.Stack;

/// <summary>A listening port's side in the stack: how many handshakes it may have in progress, and where established connections go.</summary>
internal interface ITcpListener
{
    /// <summary>Whether another handshake may start: the backlog of half-open and not yet accepted connections has room.</summary>
    bool CanAccept { get; }

    /// <summary>A handshake started (counted against the backlog until it completes or fails).</summary>
    void OnHandshakeStarted(TcpConnection connection);

    /// <summary>A connection of this port completed its handshake, or failed before it did; called under the stack's lock.</summary>
    void OnHandshakeEnded(TcpConnection connection, bool established);
}
