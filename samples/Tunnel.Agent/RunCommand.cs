using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tunnel.Agent.Service;
using Tunnel.Agent.Configuration;
using Tunnel.Agent.LocalApi;
using Tunnel.DependencyInjection;
using Tunnel.Platform.Darwin;
using Tunnel.Platform.Linux;
using Tunnel.Platform.Windows;

namespace Tunnel.Agent;

/// <summary>
/// <c>tunnel-agent run [--config FILE] [--connect]</c>: the zero-trust agent as a service. A Generic Host with
/// the tunnel connection (<c>AddTunnelConnection().UseSystemPlatform()</c>, opened on demand), the local API
/// (Kestrel on a UNIX socket), the agent's state, and systemd integration (readiness and stop notifications
/// when started as a <c>Type=notify</c> unit). Linux, macOS (as a launchd daemon, see <c>launchd/</c>) and Windows (the
/// local API on a named pipe; a Windows service when the service manager starts it).
/// </summary>
internal static class RunCommand
{
    public const string Usage = "tunnel-agent run [--config FILE] [--connect]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        string? configPath = null;
        bool connect = false;
        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--config" or "-c" when i + 1 < args.Count:
                    configPath = args[++i];
                    break;
                case "--connect":
                    connect = true;
                    break;
                default:
                    Console.Error.WriteLine($"tunnel-agent: unexpected '{args[i]}'. Usage: {Usage}");
                    return 2;
            }
        }

        if (!AgentService.CanConnect)
        {
            Console.Error.WriteLine("tunnel-agent: `run` needs Linux, macOS or Windows; `tunnel-agent demo` runs anywhere.");
            return 1;
        }

        return await RunHostedAsync(configPath, connect);
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    [System.Runtime.Versioning.SupportedOSPlatform("macos")]
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private static async Task<int> RunHostedAsync(string? configPath, bool connect)
    {
        AgentSettings settings;
        LocalApiAccess access;
        string? localProblem;
        try
        {
            settings = configPath is null ? new AgentSettings() : AgentConfigurationLoader.Load(configPath);
            settings = AgentLocalSettings.ApplyOrSetAside(settings, settings.LocalSettingsFile, DateTimeOffset.UtcNow, out localProblem);
            foreach (string warning in settings.Warnings)
            {
                Console.Error.WriteLine($"tunnel-agent: {warning}");
            }

            if (localProblem is not null)
            {
                Console.Error.WriteLine($"tunnel-agent: {localProblem}");
            }

            if (OperatingSystem.IsWindows())
            {
                // The pipe's ACL and each client's token decide (LocalApiPipeSecurity); groups are Windows' own.
                access = new LocalApiAccess(agentUser: 0, groupId: null, settings.ApiGroup, adminGroupId: null, settings.ApiAdminGroup);
            }
            else
            {
                access = LocalApiAccess.ForCurrentProcess(settings.ApiGroup, settings.ApiAdminGroup);
                PrepareSocket(settings.ApiSocket);
            }
        }
        catch (Exception error) when (error is AgentConfigurationException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"tunnel-agent: {error.Message}");
            return 1;
        }

        await using var app = LocalApiHost.Build(
            settings.ApiSocket,
            access,
            services =>
            {
                bool viaResolved = OperatingSystem.IsLinux() && settings.EffectiveResolver(SystemdResolvedConfigurator.IsAvailable()) == AgentResolver.SystemdResolved;
                var agent = new AgentService(
                    settings,
                    Resolver(settings, viaResolved),
                    Posture(),
                    services.GetRequiredService<ILoggerFactory>(),
                    TimeProvider.System,
                    services.GetService<IMeterFactory>(),
                    viaResolved,
                    settings.LocalSettingsFile,
                    connections: services.GetRequiredService<TunnelConnectionService>());
                if (localProblem is not null)
                {
                    agent.ReportProblem(localProblem);
                }

                return agent;
            },
            connect,
            logging => logging.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.TimestampFormat = "yyyy/MM/dd HH:mm:ss ";
            }),
            configureServices: services =>
            {
                services
                    .AddTunnelConnection(options =>
                    {
                        // The agent connects on demand (its API's connect, --connect) with a routing of its own.
                        options.OpenOnStart = false;
                        options.InterfaceName = settings.Interface;
                    })
                    .UseSystemPlatform();
                if (settings.Controller is { } controller)
                {
                    // Enrolled with a controller: its policy stream, applied live.
                    services.AddHostedService(provider => new ControllerClient(
                        provider.GetRequiredService<AgentService>(),
                        controller,
                        new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(15) },
                        TimeProvider.System,
                        provider.GetRequiredService<ILogger<ControllerClient>>()));
                }
            });
        await app.RunAsync();
        return 0;
    }

    /// <summary>How the system resolver is pointed at the forwarder: systemd-resolved or the resolver file on Linux, the dynamic store on macOS.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    [System.Runtime.Versioning.SupportedOSPlatform("macos")]
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private static Tunnel.Connections.ISystemResolverConfigurator Resolver(AgentSettings settings, bool viaResolved)
    {
        if (OperatingSystem.IsWindows())
        {
            return new WindowsResolverConfigurator(new WindowsResolverOptions { InterfaceName = settings.Interface });
        }

        if (OperatingSystem.IsLinux())
        {
            return viaResolved ? new SystemdResolvedConfigurator(new SystemdResolvedOptions { InterfaceName = settings.Interface }) : ResolvConf(settings);
        }

        if (OperatingSystem.IsMacOS())
        {
            return new DarwinResolverConfigurator(new DarwinResolverOptions { InterfaceName = settings.Interface });
        }

        throw new PlatformNotSupportedException();
    }

    /// <summary>The device's posture, from the OS's own files and tools.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    [System.Runtime.Versioning.SupportedOSPlatform("macos")]
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private static Func<string?, Tunnel.Posture.DevicePosture> Posture()
    {
        if (OperatingSystem.IsWindows())
        {
            return WindowsPosture();
        }

        if (OperatingSystem.IsLinux())
        {
            return LinuxPosture();
        }

        if (OperatingSystem.IsMacOS())
        {
            return MacPosture();
        }

        throw new PlatformNotSupportedException();
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static Func<string?, Tunnel.Posture.DevicePosture> LinuxPosture() => publicKey => new LinuxDevicePostureCollector().Collect(AgentVersion.Text, publicKey);

    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private static Func<string?, Tunnel.Posture.DevicePosture> WindowsPosture() => publicKey => new WindowsDevicePostureCollector().Collect(AgentVersion.Text, publicKey);

    [System.Runtime.Versioning.SupportedOSPlatform("macos")]
    private static Func<string?, Tunnel.Posture.DevicePosture> MacPosture() => publicKey => new DarwinDevicePostureCollector().Collect(AgentVersion.Text, publicKey);

    /// <summary>The resolver file's configurator for these settings' paths.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static LinuxResolvConfConfigurator ResolvConf(AgentSettings settings) =>
        new(new LinuxResolvConfOptions { Path = settings.ResolvConf, StatePath = settings.ResolvConfBackup });

    /// <summary>Makes the socket's directory, and removes a socket file no agent answers on any more.</summary>
    private static void PrepareSocket(string path)
    {
        string directory = Path.GetDirectoryName(path) ?? "/";
        Directory.CreateDirectory(directory);
        if (!File.Exists(path))
        {
            return;
        }

        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            probe.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        }
        catch (System.Net.Sockets.SocketException)
        {
            File.Delete(path); // left by an agent that died
            return;
        }

        throw new InvalidOperationException($"another agent is already serving {path}");
    }
}
