namespace Tunnel.Net.Tcp;

/// <summary>The limits and timers of the stack's TCP connections.</summary>
internal sealed record TcpSettings
{
    /// <summary>Bytes a connection buffers towards the peer (sent but unacknowledged, and not yet sent).</summary>
    public int SendBufferSize { get; init; } = 256 * 1024;

    /// <summary>Bytes a connection buffers from the peer; the window it offers.</summary>
    public int ReceiveBufferSize { get; init; } = 256 * 1024;

    /// <summary>
    /// The bytes all connections' buffers may hold together (256 MiB by default). A buffer is made at its connection's
    /// first byte that way, and given back when the connection is done with it; one that does not fit waits: its
    /// connection offers a zero window, or its writer waits, until another gives room back.
    /// </summary>
    public long MemoryLimit { get; init; } = 256L * 1024 * 1024;

    /// <summary>Whether small writes go out at once (true, the default) or wait for outstanding data to be acknowledged (Nagle's algorithm, RFC 896).</summary>
    public bool NoDelay { get; init; } = true;

    /// <summary>How long a connection stays in TIME-WAIT (2 MSL): 60 s, as Linux's.</summary>
    public TimeSpan TimeWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest an acknowledgment is delayed (RFC 1122 section 4.2.3.2 allows 500 ms; Linux's is 40 ms at least).</summary>
    public TimeSpan DelayedAck { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>Retransmissions of one segment before the connection fails as timed out (about 15 minutes with back-off, as Linux's tcp_retries2 = 15 gives).</summary>
    public int MaxRetransmissions { get; init; } = 12;

    /// <summary>Retransmissions of a SYN (or SYN-ACK) before connecting fails as timed out: 6, about two minutes, as Linux's tcp_syn_retries.</summary>
    public int MaxSynRetransmissions { get; init; } = 6;

    /// <summary>Idle time before keepalive probes start; null for none (the default, as sockets have).</summary>
    public TimeSpan? KeepAliveIdle { get; init; }

    /// <summary>Time between keepalive probes.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(75);

    /// <summary>Unanswered keepalive probes before the connection fails as timed out.</summary>
    public int KeepAliveProbes { get; init; } = 9;

    /// <summary>The most connections the stack holds, in any state (half-open, established, TIME-WAIT): a SYN beyond it is dropped.</summary>
    public int MaxConnections { get; init; } = 4096;
}
