namespace Tunnel.Connections;

/// <summary>
/// The port through which a <see cref="TunnelConnection"/> points the system's resolver at the tunnel's DNS
/// servers (or an agent at its DNS forwarder) while connected, and puts back what was there on disconnect. Implementations keep what to restore on disk, so
/// a process that crashed mid-connection can restore it when it next starts.
/// </summary>
public interface ISystemResolverConfigurator
{
    /// <summary>Whether the system resolver is now configured by this object (or by a crashed predecessor whose state was found).</summary>
    bool IsApplied { get; }

    /// <summary>Points the system resolver at <paramref name="settings"/>, saving the current configuration first if it is not saved yet.</summary>
    /// <param name="settings">The name servers and search domains to use.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the resolver uses the settings.</returns>
    ValueTask ApplyAsync(SystemResolverSettings settings, CancellationToken cancellationToken);

    /// <summary>Restores the saved configuration, if any, and forgets it. Doing so twice is not an error.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the original configuration is back.</returns>
    ValueTask RestoreAsync(CancellationToken cancellationToken);
}
