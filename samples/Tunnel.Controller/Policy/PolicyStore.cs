using Microsoft.EntityFrameworkCore;
using Tunnel.Controller.Data;

namespace Tunnel.Controller.Policy;

/// <summary>
/// Commits what agents may care about: the change, the account's policy version bumped and (on PostgreSQL) the other
/// replicas notified, all in one transaction, so that either all of it happens or none; then this replica's streams
/// are woken.
/// </summary>
internal sealed class PolicyStore(ControllerDbContext database, PolicyChangeHub hub, TimeProvider time)
{
    public ControllerDbContext Database => database;

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>The account, made (with its default profile) when missing.</summary>
    public async Task EnsureAccountAsync(string account, CancellationToken cancellationToken)
    {
        if (await database.Accounts.AnyAsync(a => a.Id == account, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        database.Accounts.Add(new Account { Id = account, Created = Now });
        database.Profiles.Add(NewDefaultProfile(account));
        try
        {
            await database.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            database.ChangeTracker.Clear();
            if (!await database.Accounts.AsNoTracking().AnyAsync(a => a.Id == account, cancellationToken).ConfigureAwait(false))
            {
                throw; // not another replica's making it first
            }
        }
    }

    /// <summary>The account's default profile, with its lists; made when missing.</summary>
    public async Task<DeviceProfile> DefaultProfileAsync(string account, CancellationToken cancellationToken)
    {
        DeviceProfile? profile = await WithLists().FirstOrDefaultAsync(p => p.AccountId == account && p.IsDefault, cancellationToken).ConfigureAwait(false);
        if (profile is not null)
        {
            return profile;
        }

        await EnsureAccountAsync(account, cancellationToken).ConfigureAwait(false);
        profile = await WithLists().FirstOrDefaultAsync(p => p.AccountId == account && p.IsDefault, cancellationToken).ConfigureAwait(false);
        if (profile is null)
        {
            profile = NewDefaultProfile(account);
            database.Profiles.Add(profile);
            await database.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        return profile;
    }

    /// <summary>A profile of the account (not the default), with its lists.</summary>
    public Task<DeviceProfile?> ProfileAsync(string account, Guid id, CancellationToken cancellationToken) =>
        WithLists().FirstOrDefaultAsync(p => p.AccountId == account && p.Id == id && !p.IsDefault, cancellationToken);

    /// <summary>Profiles with their lists, in order.</summary>
    public IQueryable<DeviceProfile> WithLists() => database.Profiles
        .Include(p => p.SplitTunnel.OrderBy(e => e.List).ThenBy(e => e.Position))
        .Include(p => p.FallbackDomains.OrderBy(e => e.Position))
        .AsSplitQuery();

    /// <summary>
    /// Runs <paramref name="change"/> (which may delete and add through <see cref="Database"/>) and saves it with the
    /// account's version bumped and the other replicas notified, in one transaction; then wakes this replica's streams.
    /// </summary>
    public async Task CommitAsync(string account, Func<Task> change, CancellationToken cancellationToken)
    {
        // SQLite's and PostgreSQL's transactions both hold the version bump and the change together; a retrying
        // strategy is not configured, so the transaction is begun directly.
        await using var transaction = await database.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await change().ConfigureAwait(false);
        await database.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await database.Accounts.Where(a => a.Id == account).ExecuteUpdateAsync(set => set.SetProperty(a => a.PolicyVersion, a => a.PolicyVersion + 1), cancellationToken).ConfigureAwait(false);
        if (database.IsPostgres)
        {
            await database.Database.ExecuteSqlAsync($"SELECT pg_notify({PostgresChangeListener.Channel}, {account})", cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        hub.Publish(account);
    }

    private DeviceProfile NewDefaultProfile(string account) => new()
    {
        Id = Guid.NewGuid(),
        AccountId = account,
        IsDefault = true,
        Name = "Default",
        Precedence = int.MaxValue,
        Created = Now,
        Updated = Now,
    };
}
