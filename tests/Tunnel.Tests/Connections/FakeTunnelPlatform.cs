using System.Net;
using Tunnel.Connections;
using Tunnel.Testing;

namespace Tunnel.Tests.Connections;

/// <summary>
/// A platform that keeps a journal of every step a connection takes, over in-memory devices and sockets,
/// and fails at the step named by <see cref="FailAt"/>.
/// </summary>
internal sealed class FakeTunnelPlatform(InMemoryNetwork network, IPAddress address) : ITunnelPlatform
{
    public List<string> Journal { get; } = [];

    public string? FailAt { get; set; }

    public uint UnusedTable { get; set; } = 51820;

    public List<InMemoryTunDevice> Devices { get; } = [];

    public TunnelInterfaceSettings? Applied { get; private set; }

    public SystemResolverSettings? Resolver { get; private set; }

    public IDatagramSocketFactory DatagramSockets { get; } = network.CreateSocketFactory(address);

    /// <summary>The name the device takes whatever is asked, as macOS names its utun interfaces; null to take the one asked for.</summary>
    public string? KernelChosenName { get; set; }

    public ITunDevice CreateTunDevice(string interfaceName, int mtu)
    {
        Step($"tun {interfaceName} mtu {mtu}");
        var device = new Device(this, KernelChosenName ?? interfaceName);
        Devices.Add(device.Inner);
        return device;
    }

    public ITunnelInterfaceConfigurator CreateInterfaceConfigurator(string interfaceName)
    {
        Step($"interface {interfaceName}");
        return new Configurator(this);
    }

    public ISystemResolverConfigurator CreateResolverConfigurator(string interfaceName)
    {
        Step($"resolver {interfaceName}");
        return new ResolverConfigurator(this);
    }

    private void Step(string step)
    {
        Journal.Add(step);
        if (FailAt is not null && step.StartsWith(FailAt, StringComparison.Ordinal))
        {
            throw new IOException($"refused: {step}");
        }
    }

    private sealed class Device(FakeTunnelPlatform platform, string name) : ITunDevice
    {
        public InMemoryTunDevice Inner { get; } = new(name);

        public string Name => Inner.Name;

        public int BatchSize => Inner.BatchSize;

        public int Mtu => Inner.Mtu;

        public int Read(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset) => Inner.Read(buffers, sizes, offset);

        public void Write(ReadOnlySpan<Memory<byte>> packets, int offset) => Inner.Write(packets, offset);

        public void Dispose()
        {
            lock (platform.Journal)
            {
                platform.Journal.Add($"tun {Name} closed");
            }

            Inner.Dispose();
        }
    }

    private sealed class Configurator(FakeTunnelPlatform platform) : ITunnelInterfaceConfigurator
    {
        public uint FindUnusedTable(uint first)
        {
            platform.Step($"find table from {first}");
            return platform.UnusedTable;
        }

        public ValueTask ApplyAsync(TunnelInterfaceSettings settings, CancellationToken cancellationToken)
        {
            platform.Step("apply");
            platform.Applied = settings;
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            platform.Journal.Add("interface undone");
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ResolverConfigurator(FakeTunnelPlatform platform) : ISystemResolverConfigurator
    {
        public bool IsApplied => platform.Resolver is not null;

        public ValueTask ApplyAsync(SystemResolverSettings settings, CancellationToken cancellationToken)
        {
            platform.Step("resolver apply");
            platform.Resolver = settings;
            return ValueTask.CompletedTask;
        }

        public ValueTask RestoreAsync(CancellationToken cancellationToken)
        {
            platform.Journal.Add("resolver restored");
            platform.Resolver = null;
            return ValueTask.CompletedTask;
        }
    }
}
