using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane;
using Tunnel.Controller.Data;
using Tunnel.Controller.Policy;

namespace Tunnel.Controller.Agents;

/// <summary>
/// The policy a device is to apply now. An account's profiles are read once per policy version and shared by every
/// stream of the account (a change wakes thousands of streams at once, and they should not each read the same lists).
/// </summary>
internal sealed class SnapshotBuilder : IDisposable
{
    private readonly ConcurrentDictionary<string, (long Version, List<DeviceProfile> Profiles)> _profiles = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loading = new(1, 1);

    public void Dispose() => _loading.Dispose();

    /// <returns>The snapshot; null when the device no longer exists (revoked).</returns>
    public async Task<PolicySnapshot?> BuildAsync(ControllerDbContext database, string account, Guid deviceId, CancellationToken cancellationToken)
    {
        var device = await database.Devices.AsNoTracking()
            .Where(d => d.AccountId == account && d.Id == deviceId)
            .Select(d => new { d.UserEmail, d.UserGroups })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (device is null)
        {
            return null;
        }

        long seen = await database.Accounts.AsNoTracking().Where(a => a.Id == account).Select(a => a.PolicyVersion).FirstAsync(cancellationToken).ConfigureAwait(false);
        (long version, List<DeviceProfile> profiles) = await ProfilesAsync(database, account, seen, cancellationToken).ConfigureAwait(false);
        DeviceProfile profile = ProfileResolver.Resolve(profiles, device.UserEmail, ProfileResolver.Groups(device.UserGroups));
        List<SnapshotEntry> include = Entries(profile, "include"), exclude = Entries(profile, "exclude");
        string mode = profile.ServiceMode == "posture_only" ? "posture-only" : include.Count > 0 ? "include" : "exclude";
        return new PolicySnapshot(
            version,
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

    private async Task<(long Version, List<DeviceProfile> Profiles)> ProfilesAsync(ControllerDbContext database, string account, long version, CancellationToken cancellationToken)
    {
        if (_profiles.TryGetValue(account, out var cached) && cached.Version == version)
        {
            return cached;
        }

        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_profiles.TryGetValue(account, out cached) && cached.Version >= version)
            {
                return cached; // another stream read it meanwhile (or a newer version: still the truth now)
            }

            // Read with the version in one transaction, so the lists and the version agree.
            await using var transaction = await database.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            long current = await database.Accounts.AsNoTracking().Where(a => a.Id == account).Select(a => a.PolicyVersion).FirstAsync(cancellationToken).ConfigureAwait(false);
            List<DeviceProfile> profiles = await database.Profiles.AsNoTracking()
                .Include(p => p.SplitTunnel)
                .Include(p => p.FallbackDomains)
                .AsSplitQuery()
                .Where(p => p.AccountId == account)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _profiles[account] = (current, profiles);
            return (current, profiles);
        }
        finally
        {
            _loading.Release();
        }
    }
}
