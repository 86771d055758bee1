namespace Tunnel.Platform.Windows.Internal;

/// <summary>
/// One Wintun session's rings, as <see cref="WintunPacketQueue"/> uses them: the seam between the queue's logic
/// (batching, drops, waiting, closing while a read blocks) and <c>wintun.dll</c>, so that logic is tested with a
/// fake on any OS. The methods return a Win32 error code, 0 on success, as the library's <c>GetLastError</c> would.
/// </summary>
internal unsafe interface IWintunSession : IDisposable
{
    /// <summary>The next received packet, which stays in the ring until <see cref="Release"/>.</summary>
    int Receive(out byte* packet, out uint size);

    /// <summary>Gives a received packet's room back.</summary>
    void Release(byte* packet);

    /// <summary>Room for a packet of <paramref name="size"/> bytes in the send ring.</summary>
    int Allocate(uint size, out byte* packet);

    /// <summary>Sends an allocated packet.</summary>
    void Send(byte* packet);

    /// <summary>Signalled when the receive ring has packets.</summary>
    WaitHandle ReadWait { get; }
}
