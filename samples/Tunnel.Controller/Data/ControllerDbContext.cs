using Microsoft.EntityFrameworkCore;

namespace Tunnel.Controller.Data;

/// <summary>
/// The controller's store. One model, two providers: <see cref="SqliteControllerDbContext"/> (the default, a file beside
/// the controller) and <see cref="PostgresControllerDbContext"/> (production, several replicas), each with its own
/// migrations.
/// </summary>
internal abstract class ControllerDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<Account> Accounts => Set<Account>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<EnrolmentToken> EnrolmentTokens => Set<EnrolmentToken>();

    public DbSet<Device> Devices => Set<Device>();

    public DbSet<DeviceProfile> Profiles => Set<DeviceProfile>();

    /// <summary>Whether this store is PostgreSQL, whose <c>NOTIFY</c> tells the other replicas of a change.</summary>
    public abstract bool IsPostgres { get; }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Account>(account =>
        {
            account.ToTable("accounts");
            account.Property(a => a.Id).HasMaxLength(64);
        });

        modelBuilder.Entity<ApiToken>(token =>
        {
            token.ToTable("api_tokens");
            token.Property(t => t.AccountId).HasMaxLength(64);
            token.Property(t => t.Hash).HasMaxLength(64);
            token.HasIndex(t => t.Hash).IsUnique();
            token.HasOne<Account>().WithMany().HasForeignKey(t => t.AccountId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<EnrolmentToken>(token =>
        {
            token.ToTable("enrolment_tokens");
            token.Property(t => t.AccountId).HasMaxLength(64);
            token.Property(t => t.Hash).HasMaxLength(64);
            token.HasIndex(t => t.Hash).IsUnique();
            token.HasOne<Account>().WithMany().HasForeignKey(t => t.AccountId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Device>(device =>
        {
            device.ToTable("devices");
            device.Property(d => d.AccountId).HasMaxLength(64);
            device.Property(d => d.Key).HasMaxLength(44);
            device.Property(d => d.Ip).HasMaxLength(45);
            device.Property(d => d.CredentialHash).HasMaxLength(64);
            device.HasIndex(d => new { d.AccountId, d.Key }).IsUnique();
            device.HasIndex(d => d.Ip).IsUnique(); // one gateway, one address space, whatever the account
            device.HasIndex(d => d.CredentialHash).IsUnique();
            device.HasIndex(d => new { d.AccountId, d.DeviceType, d.Created });
            device.HasIndex(d => new { d.AccountId, d.Created });
            device.HasOne<Account>().WithMany().HasForeignKey(d => d.AccountId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<DeviceProfile>(profile =>
        {
            profile.ToTable("device_profiles");
            profile.Property(p => p.AccountId).HasMaxLength(64);
            profile.HasIndex(p => new { p.AccountId, p.Precedence });
            profile.HasOne<Account>().WithMany().HasForeignKey(p => p.AccountId).OnDelete(DeleteBehavior.Cascade);
            profile.HasMany(p => p.SplitTunnel).WithOne().HasForeignKey(e => e.ProfileId).OnDelete(DeleteBehavior.Cascade);
            profile.HasMany(p => p.FallbackDomains).WithOne().HasForeignKey(e => e.ProfileId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<SplitTunnelEntry>(entry =>
        {
            entry.ToTable("split_tunnel_entries");
            entry.Property(e => e.List).HasMaxLength(8);
            entry.HasIndex(e => new { e.ProfileId, e.List, e.Position });
        });

        modelBuilder.Entity<FallbackDomain>(entry =>
        {
            entry.ToTable("fallback_domains");
            entry.HasIndex(e => new { e.ProfileId, e.Position });
        });
    }
}

/// <summary>The SQLite store: times kept as sortable numbers, which SQLite can order and compare.</summary>
internal sealed class SqliteControllerDbContext(DbContextOptions<SqliteControllerDbContext> options) : ControllerDbContext(options)
{
    public override bool IsPostgres => false;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter>();
    }
}

/// <summary>The PostgreSQL store.</summary>
internal sealed class PostgresControllerDbContext(DbContextOptions<PostgresControllerDbContext> options) : ControllerDbContext(options)
{
    public override bool IsPostgres => true;
}
