using System.Text.Json.Nodes;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests.Controller;

/// <summary>
/// The control plane for real: tunnel-controller, our daemon as the gateway it manages over UAPI, and agents enrolled
/// with <c>tunnel-agent enroll</c>, each in its own namespace. A change of one profile's include list reaches the
/// matching agent's routes within 2 s and leaves the other's alone; revoking a device cuts its tunnel at the gateway at
/// once and its agent hears of it; with two replicas on one PostgreSQL, a change made on one reaches an agent that
/// follows the other.
/// </summary>
public sealed class ControllerEndToEndTests
{
    [Fact]
    public async Task AProfilesListChange_ReachesItsAgentWithin2s_NotTheOther_AndRevokingCutsTheTunnel()
    {
        await using ControllerLab lab = await ControllerLab.StartAsync();
        await lab.CallAsync(HttpMethod.Put, "accounts/acme/devices/policy/include", new[] { new { address = "10.202.9.2/32", description = "everyone's service" } });
        JsonNode engineering = await lab.CallAsync(HttpMethod.Post, "accounts/acme/devices/policy", new
        {
            name = "Engineering",
            match = """any(identity.groups.name[*] in {"Engineering"})""",
            precedence = 10,
            include = new[] { new { address = "10.202.9.1/32", description = "engineering's service" } },
        });

        ControllerLab.Client ann = await lab.AddClientAsync("ann@corp.example", ["Engineering"]);
        ControllerLab.Client bob = await lab.AddClientAsync("bob@corp.example", ["Sales"]);

        // Each agent took its profile: ann reaches only engineering's service, bob only everyone's, both through the tunnel.
        ControllerLab.WaitFor(() => ControllerLab.TryFetch(ann.Namespace, "10.202.9.1") is not null, TimeSpan.FromSeconds(30), $"ann's tunnel to 10.202.9.1\n{ann.Agent.Log}");
        ControllerLab.WaitFor(() => ControllerLab.TryFetch(bob.Namespace, "10.202.9.2") is not null, TimeSpan.FromSeconds(30), $"bob's tunnel to 10.202.9.2\n{bob.Agent.Log}");
        Assert.StartsWith("10.96.", ControllerLab.TryFetch(ann.Namespace, "10.202.9.1"), StringComparison.Ordinal);
        Assert.Null(ControllerLab.TryFetch(ann.Namespace, "10.202.9.2"));
        Assert.Null(ControllerLab.TryFetch(bob.Namespace, "10.202.9.1"));
        Assert.Contains("\"policy\"", ann.Agent.CtlOk("--json", "settings"), StringComparison.Ordinal);

        // Engineering's list grows: ann's routes follow within 2 s; bob's do not move.
        await lab.CallAsync(HttpMethod.Put, $"accounts/acme/devices/policy/{engineering["policy_id"]}/include", new[] { new { address = "10.202.9.1/32" }, new { address = "10.202.9.2/32" } });
        TimeSpan took = ControllerLab.WaitFor(() => ControllerLab.TryFetch(ann.Namespace, "10.202.9.2") is not null, TimeSpan.FromSeconds(2), $"ann's new route\n{ann.Agent.Log}");
        TestContext.Current.SendDiagnosticMessage($"the include list reached ann's routes in {took.TotalMilliseconds:F0} ms");
        Assert.Null(ControllerLab.TryFetch(bob.Namespace, "10.202.9.1"));

        // The controller knows both, with what their agents reported.
        JsonArray devices = (await lab.CallAsync(HttpMethod.Get, "accounts/acme/devices")).AsArray();
        Assert.Equal(["ann@corp.example", "bob@corp.example"], devices.Select(d => d!["user"]!["email"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(devices, d => Assert.Equal("linux", d!["device_type"]!.GetValue<string>()));

        // Revoked: the gateway forgets ann's key at once, and her agent closes its tunnel.
        string annKey = devices.Single(d => d!["id"]!.GetValue<string>() == ann.DeviceId.ToString())!["key"]!.GetValue<string>();
        await lab.CallAsync(HttpMethod.Delete, $"accounts/acme/devices/{ann.DeviceId}");
        Assert.DoesNotContain(annKey, Command.Run("ip", "netns", "exec", lab.Gateway, "wg", "show", lab.WireGuardInterface, "peers"), StringComparison.Ordinal);
        Assert.Null(ControllerLab.TryFetch(ann.Namespace, "10.202.9.1"));
        ControllerLab.WaitFor(() => ann.Agent.CtlOk("status").Contains("revoked", StringComparison.Ordinal), TimeSpan.FromSeconds(10), $"ann's agent hearing of its revocation\n{ann.Agent.Log}");
        Assert.NotNull(ControllerLab.TryFetch(bob.Namespace, "10.202.9.2"));
    }

    [Fact]
    public async Task TwoReplicasOnOnePostgres_AChangeMadeOnOne_ReachesTheRoutesOfAnAgentFollowingTheOther()
    {
        await using ControllerLab lab = await ControllerLab.StartAsync(replicas: 2);
        await lab.CallAsync(HttpMethod.Put, "accounts/acme/devices/policy/include", new[] { new { address = "10.202.9.2/32" } });
        ControllerLab.Client carol = await lab.AddClientAsync("carol@corp.example", [], replica: 1);
        ControllerLab.WaitFor(() => ControllerLab.TryFetch(carol.Namespace, "10.202.9.2") is not null, TimeSpan.FromSeconds(30), $"carol's tunnel to 10.202.9.2\n{carol.Agent.Log}");
        Assert.Null(ControllerLab.TryFetch(carol.Namespace, "10.202.9.1"));

        await lab.CallAsync(HttpMethod.Put, "accounts/acme/devices/policy/include", new[] { new { address = "10.202.9.1/32" }, new { address = "10.202.9.2/32" } }, replica: 0);

        TimeSpan took = ControllerLab.WaitFor(() => ControllerLab.TryFetch(carol.Namespace, "10.202.9.1") is not null, TimeSpan.FromSeconds(2), $"carol's new route, through the other replica\n{carol.Agent.Log}\n{lab.ControllerLog}");
        TestContext.Current.SendDiagnosticMessage($"replica 0's change reached the agent on replica 1 in {took.TotalMilliseconds:F0} ms");
    }
}
