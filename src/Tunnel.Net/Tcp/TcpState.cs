namespace Tunnel.Net.Tcp;

/// <summary>The states of a TCP connection (RFC 9293 section 3.3.2); a listener is not a connection here.</summary>
internal enum TcpState
{
    Closed,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}
