namespace Tunnel.Net;

/// <summary>Why a TCP connection through a <see cref="TunnelNetwork"/> ended other than by an orderly close.</summary>
public enum TcpConnectionError
{
    /// <summary>It did not fail.</summary>
    None = 0,

    /// <summary>The peer answered the connection request with a reset: nothing listens on that port.</summary>
    Refused,

    /// <summary>The peer reset the established connection.</summary>
    Reset,

    /// <summary>Segments went unacknowledged through every retransmission (or keepalive probes unanswered): the path or the peer is gone.</summary>
    TimedOut,

    /// <summary>This side aborted it (a reset was sent), or the network was disposed.</summary>
    Aborted,
}
