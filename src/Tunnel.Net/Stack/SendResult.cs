namespace Tunnel.Net.Stack;

/// <summary>What became of a packet the stack was asked to send.</summary>
internal enum SendResult
{
    /// <summary>Queued for the tunnel.</summary>
    Sent,

    /// <summary>The queue towards the tunnel is full; nothing was queued.</summary>
    QueueFull,

    /// <summary>The packet would exceed the MTU (the stack never fragments).</summary>
    TooLarge,

    /// <summary>The interface has no address of the destination's family.</summary>
    NoSourceAddress,
}
