using System.Runtime.Versioning;
using Tunnel.Connections;
using Tunnel.Platform.Internal;
using Tunnel.Platform.Darwin.Internal;

namespace Tunnel.Platform.Darwin;

/// <summary>
/// The macOS <see cref="ISystemResolverConfigurator"/>: the default resolver pointed at the tunnel's servers by
/// overriding the primary network service's DNS entry in the SystemConfiguration dynamic store (through
/// <c>scutil</c>, as VPN clients' scripts do), and per-domain servers (<see cref="DarwinResolverOptions.DomainServers"/>)
/// as files in <c>/etc/resolver</c>. What to restore is written to <see cref="DarwinResolverOptions.StatePath"/> before
/// anything changes, so a process that died connected is undone by <see cref="RestoreAsync"/> in the next one; a
/// resolver file that is not ours is never overwritten or removed.
/// </summary>
/// <remarks>
/// The dynamic store forgets the override at reboot; the resolver files and the state file do not, and the next
/// restore removes them. A change of primary service while connected (Wi-Fi to Ethernet) is not followed.
/// </remarks>
[SupportedOSPlatform("macos")]
public sealed class DarwinResolverConfigurator : ISystemResolverConfigurator
{
    private readonly ResolverGate _gate;

    /// <summary>Creates the configurator; nothing changes until <see cref="ApplyAsync"/>.</summary>
    /// <param name="options">The options; the defaults when null.</param>
    public DarwinResolverConfigurator(DarwinResolverOptions? options = null)
    {
        Options = options ?? new DarwinResolverOptions();
        _gate = new ResolverGate(new DarwinResolverBackend(Options, new ScutilProcess(Options.ScutilPath)));
    }

    /// <summary>The options.</summary>
    public DarwinResolverOptions Options { get; }

    /// <inheritdoc/>
    public bool IsApplied => _gate.IsApplied;

    /// <inheritdoc/>
    /// <exception cref="IOException">scutil failed, there is no primary network service, or a resolver file that is not ours is in the way.</exception>
    public ValueTask ApplyAsync(SystemResolverSettings settings, CancellationToken cancellationToken) => _gate.ApplyAsync(settings, cancellationToken);

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">The state file is not one this class wrote; it is left in place.</exception>
    public ValueTask RestoreAsync(CancellationToken cancellationToken) => _gate.RestoreAsync(cancellationToken);
}
