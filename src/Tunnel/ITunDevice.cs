namespace Tunnel;

/// <summary>
/// A TUN device as the engine sees it: IP packets in and out, a batch at a time, so that an adapter can use
/// vectored or offloaded system calls without changing the engine.
/// </summary>
/// <remarks>
/// The engine calls <see cref="Read"/> from one dedicated thread and <see cref="Write"/> from another; an
/// implementation must allow exactly that concurrency. <see cref="IDisposable.Dispose"/> must wake a
/// blocked <see cref="Read"/>, which then returns 0.
/// </remarks>
public interface ITunDevice : IDisposable
{
    /// <summary>The interface name, for example <c>wg0</c>.</summary>
    string Name { get; }

    /// <summary>The most packets one <see cref="Read"/> returns.</summary>
    int BatchSize { get; }

    /// <summary>
    /// The interface's MTU as the system has it now (an administrator may change it at any time), or 0 when the
    /// device cannot tell. The engine reads it before each read batch and follows a change: larger buffers when
    /// it grows, and the new limit and padding cap either way. Reading it must be cheap (no system call).
    /// </summary>
    int Mtu => 0;

    /// <summary>
    /// Blocks until at least one packet is available, then reads up to <see cref="BatchSize"/> packets,
    /// each into its own buffer starting at <paramref name="offset"/>, so that the engine can write the
    /// transport header in front of the packet and encrypt it in place.
    /// </summary>
    /// <param name="buffers">One buffer per packet; each has room for the largest packet after <paramref name="offset"/>.</param>
    /// <param name="sizes">Receives each packet's length.</param>
    /// <param name="offset">Where in each buffer the packet starts.</param>
    /// <returns>
    /// The number of packets read; 0 once the device is closed, or when <see cref="Mtu"/> changed during the call
    /// (then the caller sizes its buffers for the new MTU and reads again; no packet is lost or cut meanwhile).
    /// </returns>
    /// <exception cref="IOException">The device failed, for example because the interface was deleted.</exception>
    int Read(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset);

    /// <summary>
    /// Writes IP packets to the operating system. Each buffer holds exactly one packet, from
    /// <paramref name="offset"/> to its end; the bytes in front of <paramref name="offset"/> are free for the
    /// device's own header, and the device may rewrite the buffers (to coalesce packets of one flow, say):
    /// they belong to the caller again once the call returns.
    /// </summary>
    /// <param name="packets">The buffers, one packet each.</param>
    /// <param name="offset">Where each packet starts in its buffer.</param>
    /// <exception cref="IOException">The device failed.</exception>
    void Write(ReadOnlySpan<Memory<byte>> packets, int offset);
}
