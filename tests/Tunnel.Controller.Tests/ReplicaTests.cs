using System.Text.Json.Nodes;

namespace Tunnel.Controller.Tests;

/// <summary>
/// Two controller replicas on one PostgreSQL: a change made through one reaches an agent whose stream is attached to
/// the other, through PostgreSQL's LISTEN/NOTIFY; and enrolments through both share one address space.
/// </summary>
public sealed class ReplicaTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task AChangeMadeOnOneReplica_ReachesAStreamOnTheOther()
    {
        string database = await postgres.CreateDatabaseAsync();
        await using ControllerHost first = ControllerHost.Postgres(database);
        ControllerHost.Enrolled device = await first.EnrolAsync("ann@corp.example", []);
        await using ControllerHost second = ControllerHost.Postgres(database);
        await second.OkAsync(HttpMethod.Get, $"/accounts/{ControllerHost.Account}/devices"); // started, listening

        await using PolicyStreamReader stream = await PolicyStreamReader.OpenAsync(second.ClientWith(null), device.Credential);
        Assert.Equal("policy", (await stream.NextAsync(TimeSpan.FromSeconds(2))).Type);

        await first.OkAsync(HttpMethod.Put, $"/accounts/{ControllerHost.Account}/devices/policy/exclude", new[] { new { address = "203.0.113.0/24" } });

        (string type, _, JsonNode? policy) = await stream.NextAsync(TimeSpan.FromSeconds(2));
        Assert.Equal("policy", type);
        Assert.Equal("203.0.113.0/24", policy!["exclude"]![0]!["address"]!.GetValue<string>());
    }
}
