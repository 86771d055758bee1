using Tunnel.Testing.Postgres;

namespace Tunnel.Controller.Tests;

/// <summary>
/// A real PostgreSQL for a test class: a <see cref="ThrowawayPostgres"/> cluster (Debian's <c>postgresql</c>, which the
/// test command installs; missing, the tests fail under CI and skip elsewhere). Each test gets a database of its own.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private ThrowawayPostgres? _cluster;

    public async ValueTask InitializeAsync()
    {
        string? bin = ThrowawayPostgres.FindBin();
        if (bin is null)
        {
            const string Why = "PostgreSQL's initdb is not installed (Debian: apt-get install postgresql)";
            if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
            {
                Assert.Fail($"{Why}; the test command installs it.");
            }

            Assert.Skip(Why);
        }

        _cluster = await ThrowawayPostgres.StartAsync(bin);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>A new, empty database: its connection string.</summary>
    public Task<string> CreateDatabaseAsync() => _cluster!.CreateDatabaseAsync();
}
