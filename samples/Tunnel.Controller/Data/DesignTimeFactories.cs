using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Tunnel.Controller.Data;

/// <summary>For <c>dotnet ef migrations add NAME --context SqliteControllerDbContext --output-dir Data/Migrations/Sqlite</c>.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteControllerDbContext>
{
    public SqliteControllerDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteControllerDbContext>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>For <c>dotnet ef migrations add NAME --context PostgresControllerDbContext --output-dir Data/Migrations/Postgres</c>.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresControllerDbContext>
{
    public PostgresControllerDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresControllerDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
