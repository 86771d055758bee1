using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane;
using Tunnel.Controller.Data;
using Tunnel.Controller.Policy;

namespace Tunnel.Controller.Agents;

/// <summary>
/// The policy a device is to apply now. An account's profiles and enrolled devices are read once per policy version
/// and shared by every stream of the account: a change wakes thousands of streams at once, and each then costs one
/// small query (the version), not a read of the same lists.
/// </summary>
internal sealed class SnapshotBuilder : IDisposable
{
    private readonly ConcurrentDictionary<string, AccountState> _states = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loading = new(1, 1);

    public void Dispose() => _loading.Dispose();

    /// <summary>The policy for a device, reading its user first.</summary>
    /// <returns>The snapshot; null when the device no longer exists (revoked).</returns>
    public async Task<PolicySnapshot?> BuildAsync(ControllerDbContext database, string account, Guid deviceId, CancellationToken cancellationToken)
    {
        DeviceUser? user = await UserAsync(database, account, deviceId, cancellationToken).ConfigureAwait(false);
        return user is null ? null : await BuildAsync(database, account, deviceId, user, cancellationToken).ConfigureAwait(false);
    }

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
    /// The policy for a device whose user is known: one small query (the account's version) per call; the profiles
    /// and the set of enrolled devices are read once per version for every stream of the account.
    /// </summary>
    /// <returns>The snapshot; null when the device no longer exists (revoked).</returns>
    public async Task<PolicySnapshot?> BuildAsync(ControllerDbContext database, string account, Guid deviceId, DeviceUser user, CancellationToken cancellationToken)
    {
        long seen = await database.Accounts.AsNoTracking().Where(a => a.Id == account).Select(a => a.PolicyVersion).FirstAsync(cancellationToken).ConfigureAwait(false);
        AccountState state = await StateAsync(database, account, seen, cancellationToken).ConfigureAwait(false);
        if (!state.Devices.Contains(deviceId) && !await database.Devices.AnyAsync(d => d.Id == deviceId, cancellationToken).ConfigureAwait(false))
        {
            return null; // revoked (a device enrolled since the version was read is not in the set, but is in the store)
        }

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

    private async Task<AccountState> StateAsync(ControllerDbContext database, string account, long version, CancellationToken cancellationToken)
    {
        if (_states.TryGetValue(account, out AccountState? cached) && cached.Version >= version)
        {
            return cached; // this version (or a newer one read meanwhile: still the truth now)
        }

        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_states.TryGetValue(account, out cached) && cached.Version >= version)
            {
                return cached; // another stream read it while this one waited
            }

            // Read with the version in one transaction, so the lists, the devices and the version agree.
            await using var transaction = await database.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            long current = await database.Accounts.AsNoTracking().Where(a => a.Id == account).Select(a => a.PolicyVersion).FirstAsync(cancellationToken).ConfigureAwait(false);
            List<DeviceProfile> profiles = await database.Profiles.AsNoTracking()
                .Include(p => p.SplitTunnel)
                .Include(p => p.FallbackDomains)
                .AsSplitQuery()
                .Where(p => p.AccountId == account)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            HashSet<Guid> devices = [.. await database.Devices.AsNoTracking().Where(d => d.AccountId == account).Select(d => d.Id).ToListAsync(cancellationToken).ConfigureAwait(false)];
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            var state = new AccountState(current, profiles, devices);
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
    private sealed record AccountState(long Version, List<DeviceProfile> Profiles, HashSet<Guid> Devices);
}
