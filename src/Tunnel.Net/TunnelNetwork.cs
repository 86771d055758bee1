using System.Net;
using System.Net.Sockets;
using Tunnel.Configuration;
using Tunnel.Net.Stack;
using Tunnel.Net.Tcp;
using Tunnel.Sockets;

namespace Tunnel.Net;

/// <summary>
/// A WireGuard tunnel that only this process uses, with no TUN device and no privileges: a user-space IP stack holds
/// the <c>.conf</c>'s interface addresses and is the device engine's TUN device, so the application's pings, UDP
/// datagrams and name lookups (through the <c>.conf</c>'s <c>DNS =</c> servers) go through the tunnel and nothing of
/// the operating system's routing or resolver changes. It works on any OS, as an ordinary user.
/// </summary>
/// <example>
/// <code>
/// await using var network = await TunnelNetwork.StartAsync(WireGuardConfiguration.Parse(File.ReadAllText("wg0.conf")));
/// IPAddress[] addresses = await network.ResolveAsync("db.internal.example");
/// TunnelPingReply reply = await network.PingAsync(addresses[0], TimeSpan.FromSeconds(2));
/// </code>
/// </example>
public sealed partial class TunnelNetwork : IAsyncDisposable
{
    private readonly StackDevice _device;
    private readonly TunnelNetworkOptions _options;
    private readonly TimeProvider _time;
    private int _disposed;

    private TunnelNetwork(TunnelHost host, StackDevice device, IReadOnlyList<IPAddress> addresses, IReadOnlyList<IPAddress> dnsServers, IReadOnlyList<string> searchDomains, TunnelNetworkOptions options)
    {
        Host = host;
        _device = device;
        Addresses = addresses;
        DnsServers = dnsServers;
        DnsSearchDomains = searchDomains;
        _options = options;
        _time = options.TimeProvider ?? TimeProvider.System;
        _pinger = new Pinger();
        device.SetEchoReplies(_pinger);
    }

    /// <summary>The WireGuard device, with its live API (peers, status, statistics).</summary>
    public TunnelHost Host { get; }

    /// <summary>The interface's addresses (the <c>.conf</c>'s <c>Address =</c>), which the stack answers on and sends from.</summary>
    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>The name servers <see cref="ResolveAsync"/> asks through the tunnel (the <c>.conf</c>'s <c>DNS =</c> addresses).</summary>
    public IReadOnlyList<IPAddress> DnsServers { get; }

    /// <summary>The search domains tried for a name without a dot (the <c>.conf</c>'s <c>DNS =</c> names).</summary>
    public IReadOnlyList<string> DnsSearchDomains { get; }

    /// <summary>
    /// Brings <paramref name="configuration"/> up in this process: the WireGuard device over ordinary UDP sockets,
    /// and the stack with the interface's addresses as its TUN device. Routes, the system resolver and the
    /// <c>Pre/PostUp</c> commands are not touched.
    /// </summary>
    /// <param name="configuration">The <c>.conf</c>, with its private key and at least one <c>Address</c>.</param>
    /// <param name="options">Sockets, clock, queue sizes and DNS timing; the defaults when null.</param>
    /// <param name="cancellationToken">Cancels resolving the peers' host names.</param>
    /// <returns>The running network; dispose it to stop.</returns>
    /// <exception cref="ArgumentException">The configuration has no private key or no address, or an MTU below 1280.</exception>
    /// <exception cref="SocketException">The listen port is in use, or a peer's host name does not resolve.</exception>
    public static async Task<TunnelNetwork> StartAsync(WireGuardConfiguration configuration, TunnelNetworkOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        options ??= new TunnelNetworkOptions();
        if (configuration.Interface.PrivateKey is null)
        {
            throw new ArgumentException("The configuration has no PrivateKey: a tunnel needs one to answer its peers.", nameof(configuration));
        }

        IPAddress[] addresses = [.. configuration.Interface.Addresses.Select(address => address.Address)];
        if (addresses.Length == 0)
        {
            throw new ArgumentException("The configuration has no Address: the in-process stack needs the tunnel's own address to send from.", nameof(configuration));
        }

        if (configuration.Interface.Mtu is < 1280)
        {
            throw new ArgumentException($"MTU = {configuration.Interface.Mtu} is below 1280, the least IPv6 allows; the in-process stack needs at least that.", nameof(configuration));
        }

        if (options.TcpSendBufferSize <= 0 || options.TcpReceiveBufferSize <= 0 || options.TcpMemoryLimit < (long)options.TcpSendBufferSize + options.TcpReceiveBufferSize)
        {
            throw new ArgumentException(
                $"TcpMemoryLimit ({options.TcpMemoryLimit}) must hold at least one connection's buffers ({options.TcpSendBufferSize} + {options.TcpReceiveBufferSize} bytes), and each buffer size must be positive.", nameof(options));
        }

        var peers = new List<TunnelPeerOptions>(configuration.Peers.Count);
        foreach (PeerConfiguration peer in configuration.Peers)
        {
            peers.Add(await TunnelPeerOptions.FromConfigurationAsync(peer, cancellationToken).ConfigureAwait(false));
        }

        TunnelOptions parsed = TunnelOptions.FromConfiguration(configuration with { Peers = [] });
        TunnelOptions tunnel = parsed with { Peers = peers };
        parsed.ClearPrivateKey();

        var tcp = new TcpSettings
        {
            SendBufferSize = options.TcpSendBufferSize,
            ReceiveBufferSize = options.TcpReceiveBufferSize,
            NoDelay = options.TcpNoDelay,
            KeepAliveIdle = options.TcpKeepAlive,
            MaxConnections = options.MaxTcpConnections,
            MemoryLimit = options.TcpMemoryLimit,
        };
        var stack = new NetworkStack(addresses, tunnel.Mtu, options.OutboundQueueCapacity, (ushort)Random.Shared.Next(), tcp, RandomInitialSequence);
        var device = new StackDevice(options.InterfaceName, stack, options.TimeProvider ?? TimeProvider.System);
        TunnelHost host;
        try
        {
            host = new TunnelHost(tunnel, device, options.DatagramSockets ?? UdpDatagramSocketFactory.Instance, options.LoggerFactory, options.TimeProvider, options.MeterFactory);
        }
        catch
        {
            device.Dispose();
            throw;
        }
        finally
        {
            tunnel.ClearPrivateKey(); // the device holds its own copy
        }

        try
        {
            host.Start();
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new TunnelNetwork(host, device, addresses, configuration.Interface.DnsServers, configuration.Interface.DnsSearchDomains, options);
    }

    /// <summary>A connection's initial sequence number: random (RFC 6528's aim, that an off-path attacker cannot guess it).</summary>
    private static uint RandomInitialSequence()
    {
        Span<byte> bytes = stackalloc byte[4];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt32(bytes);
    }

    /// <summary>Opens a UDP client bound to <paramref name="localPort"/> of the stack.</summary>
    /// <param name="localPort">The port; 0 for a free ephemeral one.</param>
    /// <returns>The client; dispose it to release the port.</returns>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/>: the port is taken.</exception>
    public TunnelUdpClient OpenUdp(int localPort = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(localPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(localPort, ushort.MaxValue);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new TunnelUdpClient(_device, (ushort)localPort, _options.UdpReceiveQueueCapacity);
    }

    /// <summary>What the stack has received, sent and dropped (by reason).</summary>
    public TunnelNetworkStatistics GetStatistics() => _device.GetStatistics();

    /// <summary>Stops the WireGuard device and the stack; pending receives end with <see cref="ObjectDisposedException"/>.</summary>
    /// <returns>A task that completes once the device has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _pinger.CancelAll();
        await Host.DisposeAsync().ConfigureAwait(false); // disposes the device too, ending the engine's blocked read
        _device.Dispose();
    }
}
