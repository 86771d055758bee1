using System.Text.Json.Nodes;

namespace Tunnel.Controller.Tests;

/// <summary>
/// The gateway through its UAPI socket: enrolment adds the device as a peer before it is stored (and a refusal stores
/// nothing), revocation removes it before the store forgets it (and a refusal keeps it), and a controller that starts
/// puts every enrolled device back on the gateway.
/// </summary>
public sealed class GatewayTests
{
    private const string A = $"/accounts/{ControllerHost.Account}";

    [Fact]
    public async Task Enrolment_AddsThePeer_AndAnswersWithTheGatewayAsTheDevicesPeer()
    {
        await using var gateway = new FakeUapiGateway();
        await using ControllerHost host = ControllerHost.Sqlite(Attached(gateway));

        ControllerHost.Enrolled device = await host.EnrolAsync("ann@corp.example", []);

        string address = device.Response["address"]!.GetValue<string>();
        Assert.Equal($"set=1\npublic_key={Hex(device.Key)}\nreplace_allowed_ips=true\nallowed_ip={address}\n\n", Assert.Single(gateway.Sets));
        JsonNode peer = device.Response["gateway"]!;
        Assert.Equal(gateway.PublicKey, peer["public_key"]!.GetValue<string>());
        Assert.Equal("gw.corp.example:51820", peer["endpoint"]!.GetValue<string>());
        Assert.Equal("""["100.96.0.0/12"]""", peer["allowed_ips"]!.ToJsonString());
        Assert.Equal(25, peer["persistent_keepalive"]!.GetValue<int>());
        Assert.Equal("""["100.96.0.1"]""", device.Response["dns"]!.ToJsonString());
    }

    [Fact]
    public async Task AGatewayThatRefuses_LeavesNoDeviceBehind()
    {
        await using var gateway = new FakeUapiGateway { SetErrno = -22 };
        await using ControllerHost host = ControllerHost.Sqlite(Attached(gateway));
        JsonNode token = await host.OkAsync(HttpMethod.Post, $"{A}/enrolment_tokens", new { user = new { email = "ann@corp.example" } }, 201);

        string error = await host.FailsAsync(HttpMethod.Post, "/agent/v1/enrol", new { token = token["value"]!.GetValue<string>(), public_key = ControllerHost.NewPublicKey() }, 502);

        Assert.Contains("errno=-22", error, StringComparison.Ordinal);
        Assert.Empty((await host.OkAsync(HttpMethod.Get, $"{A}/devices")).AsArray());
    }

    [Fact]
    public async Task Revoking_RemovesThePeerFirst_AndARefusalKeepsTheDevice()
    {
        await using var gateway = new FakeUapiGateway();
        await using ControllerHost host = ControllerHost.Sqlite(Attached(gateway));
        ControllerHost.Enrolled device = await host.EnrolAsync("ann@corp.example", []);

        gateway.SetErrno = -5;
        await host.FailsAsync(HttpMethod.Delete, $"{A}/devices/{device.Id}", null, 502);
        Assert.Single((await host.OkAsync(HttpMethod.Get, $"{A}/devices")).AsArray());

        gateway.SetErrno = 0;
        await host.OkAsync(HttpMethod.Delete, $"{A}/devices/{device.Id}");
        Assert.Equal($"set=1\npublic_key={Hex(device.Key)}\nremove=true\n\n", gateway.Sets[^1]);
        Assert.Empty((await host.OkAsync(HttpMethod.Get, $"{A}/devices")).AsArray());
    }

    [Fact]
    public async Task AControllerThatStarts_PutsEveryEnrolledDeviceBackOnTheGateway()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-controller-").FullName;
        string store = $"Data Source={Path.Combine(directory, "controller.db")}";
        try
        {
            ControllerHost.Enrolled device;
            await using (ControllerHost first = ControllerHost.Start("sqlite", store, null, null))
            {
                device = await first.EnrolAsync("ann@corp.example", []);
            }

            await using var gateway = new FakeUapiGateway();
            await using ControllerHost second = ControllerHost.Start("sqlite", store, null, Attached(gateway));
            await second.OkAsync(HttpMethod.Get, $"{A}/devices"); // started

            Assert.Equal($"set=1\npublic_key={Hex(device.Key)}\nreplace_allowed_ips=true\nallowed_ip={device.Response["address"]!.GetValue<string>()}\n\n", Assert.Single(gateway.Sets));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Dictionary<string, string?> Attached(FakeUapiGateway gateway) => new()
    {
        ["Controller:Gateway:Uapi"] = gateway.Path,
        ["Controller:Gateway:Endpoint"] = "gw.corp.example:51820",
        ["Controller:Gateway:Dns:0"] = "100.96.0.1",
    };

    private static string Hex(string base64) => Convert.ToHexStringLower(Convert.FromBase64String(base64));
}
