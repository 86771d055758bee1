using System.Diagnostics.CodeAnalysis;
using System.Runtime.Versioning;
using Tmds.DBus.Protocol;
using Tunnel.Connections;
using Tunnel.Core;
using Tunnel.Platform.Linux.Internal;

namespace Tunnel.Platform.Linux;

/// <summary>
/// Points the system resolver at given name servers through systemd-resolved, by setting DNS on the agent's
/// own link over D-Bus (<c>org.freedesktop.resolve1</c>) rather than rewriting <c>/etc/resolv.conf</c>: the
/// link gets the name servers, the routing-only root domain <c>~.</c> (so every query goes to them, as a
/// full tunnel wants), the search domains, and the default route. Other links keep their configuration, and
/// systemd-resolved drops the settings by itself when the link goes away.
/// </summary>
/// <remarks>
/// <para>
/// Before the first change the link's name, index and boot are written and flushed to
/// <see cref="SystemdResolvedOptions.StatePath"/>; <see cref="RestoreAsync"/> calls <c>RevertLink</c> for
/// the recorded index and only then deletes the file. A process that crashed while connected leaves the file
/// behind (<see cref="IsApplied"/> is true from the start), and the next one's <see cref="RestoreAsync"/>
/// reverts the recorded link; that the link is already gone (<c>NoSuchLink</c>, usual since the TUN died
/// with the process), that the file is from an earlier boot, or that the recorded index now names another
/// interface, all mean there is nothing left to revert.
/// </para>
/// <para>
/// When <see cref="ApplyAsync"/> fails, what it changed is reverted and the file deleted, so a failed apply
/// leaves nothing applied and nothing claimed (one that changed nothing, refused at its first call or unable
/// to reach the bus, sends no revert); only if that revert fails too does the file stay, for
/// <see cref="RestoreAsync"/> to try again. A cancelled apply leaves the file, since its last request may
/// still have been carried out.
/// </para>
/// </remarks>
[SupportedOSPlatform("linux")]
[SuppressMessage("Design", "CA1001", Justification = "The gate's wait handle is never created, so it holds nothing to dispose; the configurator outlives every call.")]
public sealed class SystemdResolvedConfigurator : ISystemResolverConfigurator
{
    private static readonly TimeSpan UndoTimeout = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates a configurator; nothing is read, written or called until it is used.</summary>
    /// <param name="options">The link, the state file and the bus.</param>
    public SystemdResolvedConfigurator(SystemdResolvedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.InterfaceName, nameof(options));
        Options = options;
    }

    /// <summary>The link, the state file and the bus.</summary>
    public SystemdResolvedOptions Options { get; }

    /// <inheritdoc/>
    public bool IsApplied => File.Exists(Options.StatePath);

    /// <summary>
    /// Whether systemd-resolved runs on the system under <paramref name="root"/>: its varlink socket
    /// <c>/run/systemd/resolve/io.systemd.Resolve</c> or its stub <c>/run/systemd/resolve/stub-resolv.conf</c>
    /// exists. Both live under <c>/run</c>, so they are only there when it ran in this boot.
    /// </summary>
    /// <param name="root">The file system root to look under; <c>/</c> but in tests.</param>
    /// <returns><see langword="true"/> when the agent should configure DNS through this class rather than <c>/etc/resolv.conf</c>.</returns>
    public static bool IsAvailable(string root = "/")
    {
        ArgumentNullException.ThrowIfNull(root);
        string directory = Path.Combine(root, "run/systemd/resolve");
        return File.Exists(Path.Combine(directory, "io.systemd.Resolve")) || File.Exists(Path.Combine(directory, "stub-resolv.conf"));
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A search domain is not a domain name, or there is no name server.</exception>
    /// <exception cref="InvalidOperationException">The interface does not exist.</exception>
    /// <exception cref="SystemdResolvedException">systemd-resolved refused a request or could not be reached; see the remarks for what is left.</exception>
    public async ValueTask ApplyAsync(SystemResolverSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IReadOnlyList<string> domains = Validate(settings);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int index = ResolvedLinkState.IndexOf(Options.InterfaceName)
                ?? throw new InvalidOperationException($"There is no interface {Options.InterfaceName} to configure systemd-resolved for.");
            var state = new ResolvedLinkState(Options.InterfaceName, index, ResolvedLinkState.CurrentBootId());
            if (IsApplied && ResolvedLinkState.Read(Options.StatePath) != state)
            {
                // A crashed run's link, or this interface before it was recreated: put that back first.
                await RevertRecordedAsync(cancellationToken).ConfigureAwait(false);
            }

            // Whether an earlier apply's settings are on the link already: then a failure has something to revert.
            bool changed = IsApplied;
            state.Write(Options.StatePath);
            DBusConnection connection;
            try
            {
                connection = await ConnectAsync("SetLinkDNS", index, cancellationToken).ConfigureAwait(false);
            }
            catch (SystemdResolvedException) when (!changed)
            {
                File.Delete(Options.StatePath);
                throw;
            }

            using (connection)
            {
                try
                {
                    await CallAsync(connection, "SetLinkDNS", index, ResolvedMessages.SetLinkDns(connection, index, settings.Nameservers), cancellationToken).ConfigureAwait(false);
                    changed = true;
                    await CallAsync(connection, "SetLinkDomains", index, ResolvedMessages.SetLinkDomains(connection, index, domains), cancellationToken).ConfigureAwait(false);
                    await CallAsync(connection, "SetLinkDefaultRoute", index, ResolvedMessages.SetLinkDefaultRoute(connection, index, enable: true), cancellationToken).ConfigureAwait(false);
                }
                catch (SystemdResolvedException)
                {
                    await UndoFailedApplyAsync(connection, index, changed).ConfigureAwait(false);
                    throw;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">The state file is not one this class wrote; it is left in place.</exception>
    /// <exception cref="SystemdResolvedException">systemd-resolved refused to revert the link or could not be reached; the state file stays.</exception>
    public async ValueTask RestoreAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsApplied)
            {
                await RevertRecordedAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static List<string> Validate(SystemResolverSettings settings)
    {
        if (settings.Nameservers.Count == 0)
        {
            throw new ArgumentException("At least one name server is needed.", nameof(settings));
        }

        // Parsed, so that what reaches systemd-resolved is a plain domain name and never a routing pattern.
        return [.. settings.SearchDomains.Select(domain => DomainName.TryNormalize(domain, out string name, out _)
            ? name
            : throw new ArgumentException($"'{domain}' is not a search domain.", nameof(settings)))];
    }

    /// <summary>Reverts the link in the state file, if it is still this boot's and still the same interface, and deletes the file.</summary>
    private async Task RevertRecordedAsync(CancellationToken cancellationToken)
    {
        var recorded = ResolvedLinkState.Read(Options.StatePath);
        bool sameLink = recorded.BootId == ResolvedLinkState.CurrentBootId()
            && ResolvedLinkState.NameOf(recorded.InterfaceIndex) is { } name && name == recorded.InterfaceName;
        if (sameLink)
        {
            using var connection = await ConnectAsync("RevertLink", recorded.InterfaceIndex, cancellationToken).ConfigureAwait(false);
            try
            {
                await CallAsync(connection, "RevertLink", recorded.InterfaceIndex, ResolvedMessages.RevertLink(connection, recorded.InterfaceIndex), cancellationToken).ConfigureAwait(false);
            }
            catch (SystemdResolvedException error) when (error.ErrorName == ResolvedMessages.NoSuchLinkError)
            {
                // The link went away, and its settings with it.
            }
        }

        File.Delete(Options.StatePath);
    }

    /// <summary>Reverts what a failed apply may have set, unless it set nothing, and forgets the link.</summary>
    private async Task UndoFailedApplyAsync(DBusConnection connection, int index, bool changed)
    {
        if (changed)
        {
            // Not the caller's token: the apply failed, and the revert is what leaves the system as it was.
            using var timeout = new CancellationTokenSource(UndoTimeout);
            try
            {
                await CallAsync(connection, "RevertLink", index, ResolvedMessages.RevertLink(connection, index), timeout.Token).ConfigureAwait(false);
            }
            catch (SystemdResolvedException error) when (error.ErrorName == ResolvedMessages.NoSuchLinkError)
            {
                // The link went away, and its settings with it.
            }
            catch (Exception error) when (error is SystemdResolvedException or OperationCanceledException)
            {
                return; // The file stays: something may still be set, and RestoreAsync tries again.
            }
        }

        File.Delete(Options.StatePath);
    }

    private async Task<DBusConnection> ConnectAsync(string method, int index, CancellationToken cancellationToken)
    {
        string? address = Options.BusAddress ?? DBusAddress.System;
        if (string.IsNullOrEmpty(address))
        {
            throw new SystemdResolvedException(method, null, $"Cannot call systemd-resolved's {method} for link {Options.InterfaceName} (index {index}): no D-Bus system bus address is known.", new InvalidOperationException("No system bus address."));
        }

        var connection = new DBusConnection(address);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception error) when (error is DBusExceptionBase or IOException or System.Net.Sockets.SocketException)
        {
            connection.Dispose();
            throw new SystemdResolvedException(method, null, $"Cannot call systemd-resolved's {method} for link {Options.InterfaceName} (index {index}): the D-Bus bus at {address} cannot be reached: {error.Message}", error);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private async Task CallAsync(DBusConnection connection, string method, int index, MessageBuffer message, CancellationToken cancellationToken)
    {
        try
        {
            await connection.CallMethodAsync(message).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DBusErrorReplyException error)
        {
            throw new SystemdResolvedException(method, error.ErrorName, $"systemd-resolved refused {method} for link {Options.InterfaceName} (index {index}): {error.ErrorName}: {error.ErrorMessage}", error);
        }
        catch (DBusExceptionBase error)
        {
            throw new SystemdResolvedException(method, null, $"systemd-resolved's {method} for link {Options.InterfaceName} (index {index}) failed on the bus: {error.Message}", error);
        }
    }
}
