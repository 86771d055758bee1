using Tunnel.Connections;

namespace Tunnel.Tests.Connections;

/// <summary>An <see cref="ITunnelRouting"/> that writes each call into the platform's journal, and fails where told.</summary>
internal sealed class RecordingTunnelRouting(FakeTunnelPlatform platform, uint mark = 0, bool configuresResolver = false) : ITunnelRouting
{
    public string? FailAt { get; set; }

    public TunnelRoutingContext? Context { get; private set; }

    public bool ConfiguresResolver => configuresResolver;

    public ITunDevice Attach(ITunDevice device, TunnelRoutingContext context)
    {
        Step("routing attach");
        Context = context;
        return device;
    }

    public ValueTask StartAsync(TunnelHost host, CancellationToken cancellationToken)
    {
        if (mark != 0)
        {
            host.SetFirewallMark(mark);
        }

        Step("routing start");
        return ValueTask.CompletedTask;
    }

    public ValueTask StopAsync(bool opened)
    {
        platform.Journal.Add($"routing stop, opened: {opened}");
        return ValueTask.CompletedTask;
    }

    private void Step(string step)
    {
        platform.Journal.Add(step);
        if (step == FailAt)
        {
            throw new IOException($"refused: {step}");
        }
    }
}
