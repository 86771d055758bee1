using System.Text.Json.Nodes;

namespace Tunnel.Controller.Tests;

/// <summary>
/// The controller's side of the agents, in the same suite: enrolment and its tokens, the device list and revocation,
/// which profile applies, the policy stream (first snapshot, changes, resumption, the per-device cap, revocation),
/// and telemetry.
/// </summary>
public abstract partial class ControllerApiTests
{
    [Fact]
    public async Task Enrolment_RegistersTheDevice_WithItsFactsUserAndAnAddress_AndRefusesItsKeyTwice()
    {
        await using ControllerHost host = await StartAsync();

        ControllerHost.Enrolled device = await host.EnrolAsync("ann@corp.example", ["Engineering"]);

        Assert.StartsWith("tcd_", device.Credential, StringComparison.Ordinal);
        string address = device.Response["address"]!.GetValue<string>();
        Assert.Matches(@"^100\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+/32$", address);
        JsonNode listed = (await host.OkAsync(HttpMethod.Get, $"{A}/devices"))[0]!;
        Assert.Equal(device.Id.ToString(), listed["id"]!.GetValue<string>());
        Assert.Equal(device.Key, listed["key"]!.GetValue<string>());
        Assert.Equal(address[..^3], listed["ip"]!.GetValue<string>());
        Assert.Equal("linux", listed["device_type"]!.GetValue<string>());
        Assert.Equal("ThinkPad X1", listed["model"]!.GetValue<string>());
        Assert.Equal("Debian 12", listed["os_version"]!.GetValue<string>());
        Assert.Equal("SN-1", listed["serial_number"]!.GetValue<string>());
        Assert.Equal("02:00:00:00:00:01", listed["mac_address"]!.GetValue<string>());
        Assert.Equal("0.1.0", listed["version"]!.GetValue<string>());
        Assert.Equal("ann@corp.example", listed["user"]!["email"]!.GetValue<string>());
        Assert.Equal("2026-12-01T00:00:00+00:00", listed["created"]!.GetValue<string>());
        foreach (string field in new[] { "last_seen", "updated", "name" })
        {
            Assert.NotNull(listed[field]);
        }

        JsonNode token = await host.OkAsync(HttpMethod.Post, $"{A}/enrolment_tokens", new { user = new { email = "ann@corp.example" } }, 201);
        Assert.Contains("enrolled already", await host.FailsAsync(HttpMethod.Post, "/agent/v1/enrol", new { token = token["value"]!.GetValue<string>(), public_key = device.Key }, 409), StringComparison.Ordinal);
        Assert.Contains("public_key", await host.FailsAsync(HttpMethod.Post, "/agent/v1/enrol", new { token = token["value"]!.GetValue<string>(), public_key = "not-a-key" }, 400), StringComparison.Ordinal);
        await host.FailsAsync(HttpMethod.Post, "/agent/v1/enrol", new { token = "tce_forged", public_key = ControllerHost.NewPublicKey() }, 401);
    }

    [Fact]
    public async Task AnEnrolmentToken_EnrolsUntilItExpiresOrIsDeleted()
    {
        await using ControllerHost host = await StartAsync();
        JsonNode expiring = await host.OkAsync(HttpMethod.Post, $"{A}/enrolment_tokens", new { user = new { email = "bob@corp.example" }, expires_in_seconds = 60 }, 201);
        JsonNode deleted = await host.OkAsync(HttpMethod.Post, $"{A}/enrolment_tokens", new { user = new { email = "bob@corp.example" } }, 201);
        Assert.Equal(2, (await host.OkAsync(HttpMethod.Get, $"{A}/enrolment_tokens")).AsArray().Count);

        await host.OkAsync(HttpMethod.Post, "/agent/v1/enrol", new { token = expiring["value"]!.GetValue<string>(), public_key = ControllerHost.NewPublicKey() }, 201);
        host.Time.Advance(TimeSpan.FromSeconds(61));
        await host.FailsAsync(HttpMethod.Post, "/agent/v1/enrol", new { token = expiring["value"]!.GetValue<string>(), public_key = ControllerHost.NewPublicKey() }, 401);

        await host.OkAsync(HttpMethod.Delete, $"{A}/enrolment_tokens/{deleted["id"]}");
        await host.FailsAsync(HttpMethod.Post, "/agent/v1/enrol", new { token = deleted["value"]!.GetValue<string>(), public_key = ControllerHost.NewPublicKey() }, 401);
        await host.FailsAsync(HttpMethod.Post, $"{A}/enrolment_tokens", new { user = new { email = "not an email" } }, 400);
    }

    [Fact]
    public async Task TheDeviceList_IsPaged_AndFilteredByType()
    {
        await using ControllerHost host = await StartAsync();
        var made = new List<Guid>();
        foreach (string type in new[] { "linux", "mac", "linux", "windows", "mac" })
        {
            made.Add((await host.EnrolAsync("ann@corp.example", [], type)).Id);
            host.Time.Advance(TimeSpan.FromSeconds(1));
        }

        (int _, JsonObject page2) = await host.SendAsync(HttpMethod.Get, $"{A}/devices?page=2&per_page=2");
        Assert.Equal(made.Skip(2).Take(2).Select(id => id.ToString()), page2["result"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()));
        Assert.Equal("""{"page":2,"per_page":2,"count":2,"total_count":5}""", page2["result_info"]!.ToJsonString());

        JsonArray macs = (await host.OkAsync(HttpMethod.Get, $"{A}/devices?type=mac")).AsArray();
        Assert.Equal([made[1].ToString(), made[4].ToString()], macs.Select(d => d!["id"]!.GetValue<string>()));
        Assert.Contains("type:", await host.FailsAsync(HttpMethod.Get, $"{A}/devices?type=amiga", null, 400), StringComparison.Ordinal);
        await host.FailsAsync(HttpMethod.Get, $"{A}/devices?per_page=0", null, 400);
        Assert.Equal(made[3].ToString(), (await host.OkAsync(HttpMethod.Get, $"{A}/devices/{made[3]}"))["id"]!.GetValue<string>());
        await host.FailsAsync(HttpMethod.Get, $"{A}/devices/{Guid.NewGuid()}", null, 404);
    }

    [Fact]
    public async Task Revoking_RemovesTheDevice_AndItsCredentialStopsWorking_AllOrNothing()
    {
        await using ControllerHost host = await StartAsync();
        ControllerHost.Enrolled first = await host.EnrolAsync("ann@corp.example", []);
        ControllerHost.Enrolled second = await host.EnrolAsync("bob@corp.example", []);
        using HttpClient agent = host.ClientWith(first.Credential);
        Assert.Equal(200, (await ControllerHost.SendAsync(agent, HttpMethod.Get, "/agent/v1/policy")).Status);

        await host.FailsAsync(HttpMethod.Post, $"{A}/devices/revoke", new[] { first.Id, Guid.NewGuid() }, 404);
        Assert.Equal(2, (await host.OkAsync(HttpMethod.Get, $"{A}/devices")).AsArray().Count);

        await host.OkAsync(HttpMethod.Post, $"{A}/devices/revoke", new[] { first.Id });
        await host.OkAsync(HttpMethod.Delete, $"{A}/devices/{second.Id}");

        Assert.Empty((await host.OkAsync(HttpMethod.Get, $"{A}/devices")).AsArray());
        await ControllerHost.FailsAsync(agent, HttpMethod.Get, "/agent/v1/policy", null, 401);
        await host.FailsAsync(HttpMethod.Delete, $"{A}/devices/{second.Id}", null, 404);
    }

    [Fact]
    public async Task TheProfileThatApplies_IsTheLowestPrecedenceThatMatches_ElseTheDefault()
    {
        await using ControllerHost host = await StartAsync();
        await host.OkAsync(HttpMethod.Put, $"{A}/devices/policy/exclude", new[] { new { address = "192.168.0.0/16" } });
        await host.OkAsync(HttpMethod.Post, $"{A}/devices/policy", new { name = "Engineering", match = """any(identity.groups.name[*] in {"Engineering" "SRE"})""", precedence = 20, include = new[] { new { host = "*.eng.corp.example" } } }, 201);
        await host.OkAsync(HttpMethod.Post, $"{A}/devices/policy", new { name = "Ann", match = """identity.email == "ANN@corp.example" """, precedence = 10, service_mode_v2 = new { mode = "posture_only" } }, 201);
        await host.OkAsync(HttpMethod.Post, $"{A}/devices/policy", new { name = "Off", match = """identity.email in {"sre@corp.example"}""", precedence = 1, enabled = false }, 201);

        async Task<JsonNode> PolicyOf(string email, string[] groups)
        {
            ControllerHost.Enrolled device = await host.EnrolAsync(email, groups);
            (int status, JsonObject envelope) = await ControllerHost.SendAsync(host.ClientWith(device.Credential), HttpMethod.Get, "/agent/v1/policy");
            Assert.Equal(200, status);
            return envelope["result"]!;
        }

        JsonNode ann = await PolicyOf("ann@corp.example", ["Engineering"]);
        Assert.Equal(("Ann", "posture-only"), (ann["profile_name"]!.GetValue<string>(), ann["mode"]!.GetValue<string>()));
        JsonNode sre = await PolicyOf("sre@corp.example", ["SRE"]);
        Assert.Equal(("Engineering", "include"), (sre["profile_name"]!.GetValue<string>(), sre["mode"]!.GetValue<string>()));
        Assert.Equal("*.eng.corp.example", sre["include"]![0]!["host"]!.GetValue<string>());
        JsonNode other = await PolicyOf("cat@corp.example", ["Sales"]);
        Assert.Equal(("Default", "exclude"), (other["profile_name"]!.GetValue<string>(), other["mode"]!.GetValue<string>()));
        Assert.Equal("192.168.0.0/16", other["exclude"]![0]!["address"]!.GetValue<string>());
    }

    [Fact]
    public async Task ThePolicyStream_SendsTheWholePolicyFirst_ThenEachChange_AndEndsWhenTheDeviceIsRevoked()
    {
        await using ControllerHost host = await StartAsync();
        ControllerHost.Enrolled device = await host.EnrolAsync("ann@corp.example", ["Engineering"]);
        await using PolicyStreamReader stream = await PolicyStreamReader.OpenAsync(host.ClientWith(null), device.Credential);

        (string type, string? id, JsonNode? first) = await stream.NextAsync(Soon);
        Assert.Equal("policy", type);
        Assert.Equal(device.Id.ToString(), first!["device_id"]!.GetValue<string>());
        Assert.Equal(id, first["version"]!.ToJsonString());

        await host.OkAsync(HttpMethod.Put, $"{A}/devices/policy/include", new[] { new { address = "10.30.0.0/16" } });
        (type, string? nextId, JsonNode? changed) = await stream.NextAsync(Soon);
        Assert.Equal("policy", type);
        Assert.True(long.Parse(nextId!, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(id!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(("include", "10.30.0.0/16"), (changed!["mode"]!.GetValue<string>(), changed["include"]![0]!["address"]!.GetValue<string>()));

        await host.OkAsync(HttpMethod.Delete, $"{A}/devices/{device.Id}");
        Assert.Equal("revoked", (await stream.NextAsync(Soon)).Type);
    }

    [Fact]
    public async Task AStreamResumedAtTheCurrentVersion_SendsNothingUntilAChange_ButKeepsAlive()
    {
        await using ControllerHost host = await StartAsync();
        ControllerHost.Enrolled device = await host.EnrolAsync("ann@corp.example", []);
        long version;
        await using (PolicyStreamReader first = await PolicyStreamReader.OpenAsync(host.ClientWith(null), device.Credential))
        {
            version = long.Parse((await first.NextAsync(Soon)).Id!, System.Globalization.CultureInfo.InvariantCulture);
        }

        await using PolicyStreamReader resumed = await PolicyStreamReader.OpenAsync(host.ClientWith(null), device.Credential, version);
        await resumed.ExpectNoEventAsync(TimeSpan.FromSeconds(1));
        Assert.True(resumed.Comments >= 2, $"{resumed.Comments} keep-alive comments in a second, at one per 200 ms");

        await using PolicyStreamReader behind = await PolicyStreamReader.OpenAsync(host.ClientWith(null), device.Credential, version - 1);
        Assert.Equal(version.ToString(System.Globalization.CultureInfo.InvariantCulture), (await behind.NextAsync(Soon)).Id);
    }

    [Fact]
    public async Task ADevice_HoldsAtMostFourStreams_AndAClosedOneFreesItsSlot()
    {
        await using ControllerHost host = await StartAsync();
        ControllerHost.Enrolled device = await host.EnrolAsync("ann@corp.example", []);
        var open = new List<PolicyStreamReader>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                open.Add(await PolicyStreamReader.OpenAsync(host.ClientWith(null), device.Credential));
                await open[^1].NextAsync(Soon);
            }

            Assert.Null(await PolicyStreamReader.TryOpenAsync(host.ClientWith(null), device.Credential)); // 429

            await open[0].DisposeAsync();
            open.RemoveAt(0);
            PolicyStreamReader? again = null;
            for (int attempt = 0; attempt < 50 && again is null; attempt++)
            {
                // The controller sees a closed stream go when its next write or wait ends: within a heartbeat.
                again = await PolicyStreamReader.TryOpenAsync(host.ClientWith(null), device.Credential);
                if (again is null)
                {
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }
            }

            Assert.NotNull(again);
            open.Add(again);
            Assert.Equal("policy", (await again.NextAsync(Soon)).Type);
        }
        finally
        {
            foreach (PolicyStreamReader stream in open)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Telemetry_UpdatesLastSeenVersionAndStatistics()
    {
        await using ControllerHost host = await StartAsync();
        ControllerHost.Enrolled device = await host.EnrolAsync("ann@corp.example", []);
        host.Time.Advance(TimeSpan.FromMinutes(5));

        using HttpClient agent = host.ClientWith(device.Credential);
        (int status, _) = await ControllerHost.SendAsync(agent, HttpMethod.Post, "/agent/v1/telemetry", new { version = "0.2.0", rx_bytes = 1000, tx_bytes = 2000 });
        Assert.Equal(200, status);

        JsonNode listed = await host.OkAsync(HttpMethod.Get, $"{A}/devices/{device.Id}");
        Assert.Equal("0.2.0", listed["version"]!.GetValue<string>());
        Assert.Equal("2026-12-01T00:05:00+00:00", listed["last_seen"]!.GetValue<string>());
        await ControllerHost.FailsAsync(agent, HttpMethod.Post, "/agent/v1/telemetry", new { rx_bytes = -1 }, 400);
        await ControllerHost.FailsAsync(host.ClientWith("tcd_forged"), HttpMethod.Post, "/agent/v1/telemetry", new { version = "x" }, 401);
    }
}
