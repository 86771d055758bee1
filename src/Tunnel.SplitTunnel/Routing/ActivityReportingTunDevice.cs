namespace Tunnel.Routing;

/// <summary>
/// A TUN device that tells a <see cref="SplitTunnelController"/> where outbound packets go, so a learned
/// address whose DNS answers have expired keeps its route while a flow still uses it. It wraps the real
/// device; each packet read costs one lock-free table lookup and allocates nothing.
/// </summary>
/// <remarks>
/// Only traffic routed into the tunnel passes here: in include mode that is the learned addresses' traffic;
/// in exclude mode learned addresses go around the tunnel, so their routes live by TTL and grace alone.
/// </remarks>
public sealed class ActivityReportingTunDevice : ITunDevice
{
    private readonly ITunDevice _inner;
    private readonly SplitTunnelController _controller;

    /// <summary>Wraps <paramref name="inner"/>, which this device then owns.</summary>
    /// <param name="inner">The real device.</param>
    /// <param name="controller">The controller to report to.</param>
    public ActivityReportingTunDevice(ITunDevice inner, SplitTunnelController controller)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(controller);
        _inner = inner;
        _controller = controller;
    }

    /// <inheritdoc/>
    public string Name => _inner.Name;

    /// <inheritdoc/>
    public int BatchSize => _inner.BatchSize;

    /// <inheritdoc/>
    public int Mtu => _inner.Mtu;

    /// <inheritdoc/>
    public int Read(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset)
    {
        int count = _inner.Read(buffers, sizes, offset);
        if (count <= 0)
        {
            return count;
        }

        var now = _controller.Now;
        for (int i = 0; i < count; i++)
        {
            var packet = buffers[i].Span.Slice(offset, sizes[i]);
            if (packet.Length >= 20 && packet[0] >> 4 == 4)
            {
                _controller.Router.ReportActivity(packet.Slice(16, 4), now);
            }
            else if (packet.Length >= 40 && packet[0] >> 4 == 6)
            {
                _controller.Router.ReportActivity(packet.Slice(24, 16), now);
            }
        }

        return count;
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<Memory<byte>> packets, int offset) => _inner.Write(packets, offset);

    /// <inheritdoc/>
    public void Dispose() => _inner.Dispose();
}
