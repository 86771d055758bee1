using System.Runtime.Versioning;
using Tunnel.Connections;
using Tunnel.Platform.Internal;
using Tunnel.Platform.Windows.Internal;

namespace Tunnel.Platform.Windows;

/// <summary>
/// The Windows <see cref="ISystemResolverConfigurator"/>: the tunnel adapter's own name servers and search list
/// (<c>SetInterfaceDnsSettings</c>; the adapter's low metric makes Windows ask them first), and per-domain servers
/// (<see cref="WindowsResolverOptions.DomainServers"/>) as Name Resolution Policy Table rules. The rules are volatile
/// registry keys named after the interface: a reboot clears them, and the next <see cref="RestoreAsync"/> removes
/// those a process that died connected left, never anyone else's.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class WindowsResolverConfigurator : ISystemResolverConfigurator
{
    private readonly ResolverGate _gate;

    /// <summary>Creates the configurator; nothing changes until <see cref="ApplyAsync"/>.</summary>
    /// <param name="options">The options; the defaults when null.</param>
    public WindowsResolverConfigurator(WindowsResolverOptions? options = null)
    {
        Options = options ?? new WindowsResolverOptions();
        _gate = new ResolverGate(new WindowsResolverBackend(Options, WindowsDnsSystem.Instance));
    }

    /// <summary>The options.</summary>
    public WindowsResolverOptions Options { get; }

    /// <inheritdoc/>
    public bool IsApplied => _gate.IsApplied;

    /// <inheritdoc/>
    /// <exception cref="IOException">Windows refused, or group policy's NRPT rules would make per-domain servers ineffective.</exception>
    public ValueTask ApplyAsync(SystemResolverSettings settings, CancellationToken cancellationToken) => _gate.ApplyAsync(settings, cancellationToken);

    /// <inheritdoc/>
    public ValueTask RestoreAsync(CancellationToken cancellationToken) => _gate.RestoreAsync(cancellationToken);
}
