using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Tunnel.Agent.LocalApi;
using Tunnel.LocalApi;

namespace Tunnel.Agent.Tests;

/// <summary>The local API over its UNIX socket: strict bodies, bounded bodies and connections, and read/write access.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LocalApiHardeningTests : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tla-h-").FullName;
    private Microsoft.AspNetCore.Builder.WebApplication? _app;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Socket => Path.Combine(_directory, "agent.sock");

    private string LocalFile => Path.Combine(_directory, "local-settings.json");

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("{}", "'servers'")]
    [InlineData("""{"srvers":[]}""", "'srvers'")]
    [InlineData("""{"servers":["1.1.1.1"],"extra":1}""", "'extra'")]
    [InlineData("""{"servers":null}""", "servers")]
    public async Task AnUpstreamsBodyWithAMissingOrUnknownProperty_Is400NamingIt_AndWipesNothing(string body, string named)
    {
        using var client = await StartAsync();

        var response = await client.PutAsync(LocalApiPaths.Upstreams, Json(body), Token);
        var after = await client.GetFromJsonAsync(LocalApiPaths.Upstreams, LocalApiJsonContext.Default.UpstreamsEntry, Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await ErrorOf(response), StringComparison.Ordinal);
        Assert.Equal(["192.0.2.53"], after!.Servers);
        Assert.False(File.Exists(LocalFile));
    }

    [Theory]
    [InlineData(LocalApiPaths.Mode, "PUT", "{}", "'mode'")]
    [InlineData(LocalApiPaths.Mode, "PUT", """{"mode":"include","force":true}""", "'force'")]
    [InlineData(LocalApiPaths.SplitTunnel, "POST", """{"description":"x"}""", "'entry'")]
    [InlineData(LocalApiPaths.SplitTunnel, "POST", """{"entry":"10.9.0.0/16","descripton":"x"}""", "'descripton'")]
    [InlineData(LocalApiPaths.FallbackDomains, "POST", """{"suffix":"corp.test"}""", "'servers'")]
    public async Task EveryBody_IsStrict(string path, string method, string body, string named)
    {
        using var client = await StartAsync();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = Json(body) }, Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await ErrorOf(response), StringComparison.Ordinal);
        Assert.False(File.Exists(LocalFile));
    }

    [Fact]
    public async Task AMebibyteDescription_IsRefusedBeforeItIsRead_AndNeverSaved()
    {
        using var client = await StartAsync();
        string body = $$"""{"entry":"10.9.0.0/16","description":"{{new string('d', 1 << 20)}}"}""";

        // With Expect: 100-continue the client waits for the answer before sending the body, so it reads the
        // 413 rather than racing the server's close while it still writes (a broken pipe on a busy machine).
        using var request = new HttpRequestMessage(HttpMethod.Post, LocalApiPaths.SplitTunnel) { Content = Json(body) };
        request.Headers.ExpectContinue = true;
        var response = await client.SendAsync(request, Token);
        var entries = await client.GetFromJsonAsync(LocalApiPaths.SplitTunnel, LocalApiJsonContext.Default.IReadOnlyListSplitTunnelEntry, Token);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.DoesNotContain(entries!, entry => entry.Entry == "10.9.0.0/16");
        Assert.False(File.Exists(LocalFile));
    }

    [Fact]
    public async Task ABroadcastUpstream_Is400_AndNeverSaved()
    {
        using var client = await StartAsync();

        var response = await client.PutAsync(LocalApiPaths.Upstreams, Json("""{"servers":["255.255.255.255"]}"""), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'255.255.255.255' cannot be a DNS server", await ErrorOf(response), StringComparison.Ordinal);
        Assert.False(File.Exists(LocalFile));
    }

    [Fact]
    public async Task ConnectionsOverTheLimit_AreClosedAtOnce_AndCounted()
    {
        using var client = await StartAsync(maxConnections: 2);
        using var first = await OpenAsync(Socket, Token);
        using var second = await OpenAsync(Socket, Token);
        await Task.Delay(200, Token); // both accepted and counted

        using var third = await OpenAsync(Socket, Token);
        var buffer = new byte[16];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        int read;
        try
        {
            read = await third.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        }
        catch (SocketException)
        {
            read = 0; // reset rather than closed: refused all the same
        }

        first.Dispose();
        second.Dispose();
        await Task.Delay(200, Token);
        var stats = await client.GetFromJsonAsync(LocalApiPaths.Stats, LocalApiJsonContext.Default.StatsResponse, Token);

        Assert.Equal(0, read);
        Assert.Equal((2, 1L), (stats!.Api!.ConnectionLimit, stats.Api.RejectedConnections));
    }

    [Fact]
    public void ReadersRead_AdminsChange_AndTheMessagesNameTheGroups()
    {
        var access = new LocalApiAccess(agentUser: 990, groupId: 1500, groupName: "tunnel", adminGroupId: 1600, adminGroupName: "tunnel-admin");
        var reader = new Platform.Linux.UnixPeerCredentials(1, 1000, 1000, [1500]);
        var admin = new Platform.Linux.UnixPeerCredentials(1, 1001, 1001, [1600]);
        var root = new Platform.Linux.UnixPeerCredentials(1, 0, 0, []);
        var stranger = new Platform.Linux.UnixPeerCredentials(1, 1002, 1002, []);

        Assert.Equal((true, false), (access.Allows(reader), access.AllowsChanges(reader)));
        Assert.Equal((true, true), (access.Allows(admin), access.AllowsChanges(admin)));
        Assert.Equal((true, true), (access.Allows(root), access.AllowsChanges(root)));
        Assert.Equal((false, false), (access.Allows(stranger), access.AllowsChanges(stranger)));
        Assert.False(new LocalApiAccess(990, 1500, "tunnel").AllowsChanges(reader));
        Assert.Contains("'tunnel-admin' (api.adminGroup)", access.ChangeDeniedMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, 403, 403)]
    [InlineData("nogroup", null, 200, 403)]
    [InlineData("nogroup", "nogroup", 200, 200)]
    public async Task OverTheSocket_AnotherUserReadsOnlyWithTheGroup_AndChangesOnlyWithTheAdminGroup(string? group, string? adminGroup, int read, int change)
    {
        Assert.SkipUnless(Environment.UserName == "root" && File.Exists("/usr/bin/curl") && File.Exists("/usr/sbin/runuser"), "runs curl as user nobody (needs root, curl and runuser)");
        using var client = await StartAsync(access: LocalApiAccess.ForCurrentProcess(group, adminGroup));
        File.SetUnixFileMode(_directory, (UnixFileMode)0b111_101_101);

        int get = await CurlAsNobodyAsync("GET", LocalApiPaths.Status, null);
        int put = await CurlAsNobodyAsync("PUT", LocalApiPaths.Mode, """{"mode":"include"}""");

        Assert.Equal((read, change), (get, put));
    }

    private async Task<int> CurlAsNobodyAsync(string method, string path, string? body)
    {
        var start = new ProcessStartInfo("/usr/sbin/runuser", ["-u", "nobody", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method, "--unix-socket", Socket, $"http://localhost{path}"])
        {
            RedirectStandardOutput = true,
        };
        if (body is not null)
        {
            start.ArgumentList.Add("-H");
            start.ArgumentList.Add("Content-Type: application/json");
            start.ArgumentList.Add("--data");
            start.ArgumentList.Add(body);
        }

        using var curl = Process.Start(start)!;
        string code = await curl.StandardOutput.ReadToEndAsync(Token);
        await curl.WaitForExitAsync(Token);
        return int.Parse(code, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<HttpClient> StartAsync(int maxConnections = LocalApiConnectionLimit.DefaultLimit, LocalApiAccess? access = null)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the local API's access check reads Linux peer credentials");
        _app = LocalApiHost.Build(Socket, access ?? LocalApiAccess.ForCurrentProcess(null), _ => AgentServiceFixture.Create(AgentServiceFixture.Settings(), localSettingsFile: LocalFile), connect: false, maxConnections: maxConnections);
        await _app.StartAsync(Token);
        return new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) => new NetworkStream(await OpenAsync(Socket, cancellationToken), ownsSocket: true),
        })
        { BaseAddress = new Uri("http://localhost") };
    }

    private static async Task<Socket> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
        return socket;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<string> ErrorOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync(LocalApiJsonContext.Default.ErrorResponse, TestContext.Current.CancellationToken))!.Error;
}
