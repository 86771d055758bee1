namespace Tunnel.Net.Stack;

/// <summary>Where the stack hands the datagrams that arrive for a bound UDP port.</summary>
internal interface IDatagramReceiver
{
    /// <summary>Takes one datagram; false when the receiver's queue is full (the stack drops and counts it).</summary>
    /// <param name="source">The sender's address, 4 or 16 bytes.</param>
    /// <param name="sourcePort">The sender's port.</param>
    /// <param name="payload">The datagram's data; valid only during the call.</param>
    bool TryReceive(ReadOnlySpan<byte> source, ushort sourcePort, ReadOnlySpan<byte> payload);
}

/// <summary>Where the stack hands the echo replies that arrive (the answers to pings).</summary>
internal interface IEchoReplyReceiver
{
    /// <summary>Takes one echo reply.</summary>
    /// <param name="source">The replying address, 4 or 16 bytes.</param>
    /// <param name="identifier">The echo identifier.</param>
    /// <param name="sequence">The echo sequence number.</param>
    void OnEchoReply(ReadOnlySpan<byte> source, ushort identifier, ushort sequence);
}
