namespace Tunnel.Net.Tcp;

/// <summary>
/// The bytes that all of a stack's TCP buffers may hold together (<see cref="TcpSettings.MemoryLimit"/>), as Linux's
/// <c>tcp_mem</c> bounds its sockets'. A buffer takes its room when its array is made (at its first byte, never for a
/// half-open or idle connection) and gives it back when its connection no longer needs it. A buffer that finds no room
/// stays unmade: its connection offers a zero window, or its writer waits, until room is given back.
/// </summary>
internal sealed class TcpMemory(long limit)
{
    public long Limit { get; } = limit;

    /// <summary>The bytes the buffers hold now.</summary>
    public long InUse { get; private set; }

    /// <summary>Whether a buffer went without room since <see cref="TakeWaiting"/> was last asked.</summary>
    public bool HasWaiting { get; private set; }

    /// <summary>Whether room was given back while a buffer waited: its connections are to be told.</summary>
    public bool WaitingMayProceed => HasWaiting && _given;

    private bool _given;

    /// <summary>Whether <paramref name="bytes"/> more would fit now (a buffer that would not is marked waiting).</summary>
    public bool Fits(int bytes)
    {
        if (bytes <= Limit - InUse)
        {
            return true;
        }

        HasWaiting = true;
        return false;
    }

    /// <summary>Takes room for <paramref name="bytes"/>, when it fits.</summary>
    public bool TryTake(int bytes)
    {
        if (!Fits(bytes))
        {
            return false;
        }

        InUse += bytes;
        return true;
    }

    /// <summary>Gives room back.</summary>
    public void Give(int bytes)
    {
        InUse -= bytes;
        _given = true;
    }

    /// <summary>Clears the waiting mark, for the stack that is about to tell every waiting connection.</summary>
    public void TakeWaiting()
    {
        HasWaiting = false;
        _given = false;
    }
}
