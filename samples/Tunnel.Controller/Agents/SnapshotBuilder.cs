using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane;
using Tunnel.Controller.Data;
using Tunnel.Controller.Policy;

namespace Tunnel.Controller.Agents;

/// <summary>
/// The policy a device is to apply now. An account's profiles and enrolled devices are read once per change this
/// replica hears of (<see cref="PolicyChangeHub.Generation"/>) and shared by every stream of the account: a change
/// wakes thousands of streams at once, and they then share one read of the store instead of making one each.
/// </summary>
internal sealed class SnapshotBuilder(PolicyChangeHub hub) : IDisposable
{
    private readonly PolicyChangeHub _hub = hub;

    private readonly ConcurrentDictionary<string, AccountState> _states = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loading = new(1, 1);

    public void Dispose() => _loading.Dispose();

    /// <summary>The user a device was enrolled for (which does not change while it is enrolled); null when it is not.</summary>
    public static async Task<DeviceUser?> UserAsync(ControllerDbContext database, string account, Guid deviceId, CancellationToken cancellationToken)
    {
        var device = await database.Devices.AsNoTracking()
            .Where(d => d.AccountId == account && d.Id == deviceId)
            .Select(d => new { d.UserEmail, d.UserGroups })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return device is null ? null : new DeviceUser(device.UserEmail, ProfileResolver.Groups(device.UserGroups));
    }

    /// <summary>
    /// The policy for a device whose user is known, as of <paramref name="generation"/> (see
    /// <see cref="PolicyChangeHub.Generation"/>): the account's profiles and enrolled devices are read once per
    /// generation, by whichever stream asks first, for every stream of the account; the others wait for that read.
    /// </summary>
    /// <returns>The snapshot; null when the device no longer exists (revoked).</returns>
    public async Task<PolicySnapshot?> BuildAsync(IServiceScopeFactory scopes, string account, Guid deviceId, DeviceUser user, long generation, CancellationToken cancellationToken)
    {
        AccountState state = await StateAsync(scopes, account, generation, cancellationToken).ConfigureAwait(false);
        if (!state.Devices.Contains(deviceId))
        {
            // Revoked, or enrolled since the account was read (enrolment changes no policy, so it is not a new generation).
            await using AsyncServiceScope scope = scopes.CreateAsyncScope();
            var database = scope.ServiceProvider.GetRequiredService<ControllerDbContext>();
            if (!await database.Devices.AnyAsync(d => d.Id == deviceId, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }

        return Snapshot(state, deviceId, user);
    }

    /// <summary>The policy for a device, read now (for a one-off request rather than a stream).</summary>
    /// <returns>The snapshot; null when the device no longer exists (revoked).</returns>
    public async Task<PolicySnapshot?> BuildAsync(IServiceScopeFactory scopes, PolicyChangeHub hub, string account, Guid deviceId, CancellationToken cancellationToken)
    {
        DeviceUser? user;
        await using (AsyncServiceScope scope = scopes.CreateAsyncScope())
        {
            user = await UserAsync(scope.ServiceProvider.GetRequiredService<ControllerDbContext>(), account, deviceId, cancellationToken).ConfigureAwait(false);
        }

        return user is null ? null : await BuildAsync(scopes, account, deviceId, user, hub.Generation(account), cancellationToken).ConfigureAwait(false);
    }

    private static PolicySnapshot Snapshot(AccountState state, Guid deviceId, DeviceUser user)
    {
        DeviceProfile profile = ProfileResolver.Resolve(state.Profiles, user.Email, user.Groups);
        List<SnapshotEntry> include = Entries(profile, "include"), exclude = Entries(profile, "exclude");
        string mode = profile.ServiceMode == "posture_only" ? "posture-only" : include.Count > 0 ? "include" : "exclude";
        return new PolicySnapshot(
            state.Version,
            deviceId,
            profile.Id,
            profile.Name,
            mode,
            profile.AllowLocalChanges,
            include,
            exclude,
            [.. profile.FallbackDomains.OrderBy(f => f.Position).Select(f => new SnapshotFallbackDomain(f.Suffix, f.DnsServers.Split('\n', StringSplitOptions.RemoveEmptyEntries)))]);
    }

    private static List<SnapshotEntry> Entries(DeviceProfile profile, string list) =>
        [.. profile.SplitTunnel.Where(e => e.List == list).OrderBy(e => e.Position).Select(e => new SnapshotEntry(e.Address, e.Host, e.Description))];

    private async Task<AccountState> StateAsync(IServiceScopeFactory scopes, string account, long generation, CancellationToken cancellationToken)
    {
        if (_states.TryGetValue(account, out AccountState? cached) && cached.Generation >= generation)
        {
            return cached;
        }

        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_states.TryGetValue(account, out cached) && cached.Generation >= generation)
            {
                return cached; // another stream read it while this one waited
            }

            // The generation is noted before the store is read: the read is at least that new.
            long reading = Math.Max(generation, _hub.Generation(account));
            await using AsyncServiceScope scope = scopes.CreateAsyncScope();
            var database = scope.ServiceProvider.GetRequiredService<ControllerDbContext>();

            // Read in one transaction, so the lists, the devices and the version agree.
            await using var transaction = await database.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            long version = await database.Accounts.AsNoTracking().Where(a => a.Id == account).Select(a => a.PolicyVersion).FirstAsync(cancellationToken).ConfigureAwait(false);
            List<DeviceProfile> profiles = await database.Profiles.AsNoTracking()
                .Include(p => p.SplitTunnel)
                .Include(p => p.FallbackDomains)
                .AsSplitQuery()
                .Where(p => p.AccountId == account)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            HashSet<Guid> devices = [.. await database.Devices.AsNoTracking().Where(d => d.AccountId == account).Select(d => d.Id).ToListAsync(cancellationToken).ConfigureAwait(false)];
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            var state = new AccountState(reading, version, profiles, devices);
            _states[account] = state;
            return state;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>The user of a device, as profiles match it.</summary>
    internal sealed record DeviceUser(string Email, string[] Groups);

    /// <summary>An account at one policy version: its profiles and its enrolled devices.</summary>
    private sealed record AccountState(long Generation, long Version, List<DeviceProfile> Profiles, HashSet<Guid> Devices);
}
