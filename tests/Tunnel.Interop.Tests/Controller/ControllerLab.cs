using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Tunnel.Interop.Tests.Agent;
using Tunnel.Interop.Tests.Infrastructure;
using Tunnel.Platform.Linux.Internal;
using Tunnel.Testing.Postgres;

namespace Tunnel.Interop.Tests.Controller;

/// <summary>
/// A fleet in namespaces: the gateway namespace runs our daemon as the gateway (10.96.0.1/16, its UAPI socket given to
/// the controller), tunnel-controller on port 5080 (SQLite; or replicas on 5080, 5081, ... sharing a throwaway
/// PostgreSQL), and HTTP servers on 10.202.9.1 and 10.202.9.2 that only the tunnel reaches; client namespaces hang off
/// its bridge (10.202.1.0/24) and run enrolled agents.
/// <code>
///   client 1 (agent) 10.202.1.2 --+
///                                 +-- br 10.202.1.1  gateway: our daemon, controller(s), HTTP on 10.202.9.1-2
///   client 2 (agent) 10.202.1.3 --+
/// </code>
/// </summary>
internal sealed class ControllerLab : IAsyncDisposable
{
    public const string Token = "tca_e2e-bootstrap-token-0123456789";

    private static int s_count;
    private readonly string _id;
    private readonly List<IDisposable> _processes = [];
    private readonly List<IAsyncDisposable> _servers = [];
    private readonly List<string> _namespaces = [];
    private readonly NamespaceProcess _gateway;
    private readonly List<NamespaceProcess> _controllers = [];
    private readonly List<HttpClient> _apis = [];
    private readonly ThrowawayPostgres? _postgres;
    private int _clients;

    /// <summary>The lab with one controller on SQLite, or <paramref name="replicas"/> controllers sharing one throwaway PostgreSQL.</summary>
    public static async Task<ControllerLab> StartAsync(int replicas = 1)
    {
        ThrowawayPostgres? postgres = null;
        string? database = null;
        if (replicas > 1)
        {
            postgres = await ThrowawayPostgres.StartAsync(ThrowawayPostgres.FindBin() ?? throw new InvalidOperationException("PostgreSQL is not installed; the test command installs it."));
            database = await postgres.CreateDatabaseAsync();
        }

        return new ControllerLab(replicas, postgres, database);
    }

    private ControllerLab(int replicas, ThrowawayPostgres? postgres, string? database)
    {
        _postgres = postgres;
        Requirements.Check();
        _id = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId % 1000}z{Interlocked.Increment(ref s_count)}");
        Directory = System.IO.Directory.CreateTempSubdirectory("tcl-").FullName;
        File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101);
        AddNamespace(Gateway);
        Command.Run("ip", "-n", Gateway, "link", "add", "br0", "type", "bridge");
        Command.Run("ip", "-n", Gateway, "address", "add", "10.202.1.1/24", "dev", "br0");
        Command.Run("ip", "-n", Gateway, "link", "set", "br0", "up");
        foreach (string service in new[] { "10.202.9.1", "10.202.9.2" })
        {
            Command.Run("ip", "-n", Gateway, "address", "add", $"{service}/32", "dev", "lo");
        }

        Http = NetworkNamespace.Run(Gateway, () => new TestHttpServer(new IPEndPoint(IPAddress.Any, 8080)));
        _servers.Add(Http);

        // The gateway: our daemon (wireguard-go's command line and UAPI), whose peers only the controller sets.
        string key = Path.Combine(Directory, "gateway.key");
        File.WriteAllText(key, Command.Run("wg", "genkey"));
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _gateway = new NamespaceProcess(Gateway, Lab.AgentPath, ["-f", WireGuardInterface], new Dictionary<string, string> { ["WG_PROCESS_FOREGROUND"] = "1", ["LOG_LEVEL"] = "error" });
        _processes.Add(_gateway);
        WaitFor(() => File.Exists(UapiSocket) && Command.Try("ip", ["-n", Gateway, "link", "show", WireGuardInterface]).Succeeded, TimeSpan.FromSeconds(20), $"the gateway daemon starting: {_gateway.Log}");
        Command.Run("ip", "netns", "exec", Gateway, "wg", "set", WireGuardInterface, "private-key", key, "listen-port", "51820");
        Command.Run("ip", "-n", Gateway, "address", "add", "10.96.0.1/16", "dev", WireGuardInterface);
        Command.Run("ip", "-n", Gateway, "link", "set", WireGuardInterface, "mtu", "1420", "up");

        // The controllers, as operators run them: replica N on port 5080 + N.
        string configuration = Path.GetFileName(AppContext.BaseDirectory.TrimEnd('/'));
        string controller = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "Tunnel.Controller", configuration, "tunnel-controller.dll"));
        Assert.True(File.Exists(controller), $"tunnel-controller is not built at {controller}");
        for (int replica = 0; replica < replicas; replica++)
        {
            var environment = new Dictionary<string, string>
            {
                ["Controller__BootstrapToken"] = Token,
                ["Controller__BootstrapAccount"] = "acme",
                ["Controller__Network"] = "10.96.0.0/16",
                ["Controller__Gateway__Uapi"] = UapiSocket,
                ["Controller__Gateway__Endpoint"] = "10.202.1.1:51820",
                ["Controller__Gateway__AllowedIPs__0"] = "10.96.0.0/16",
                ["Controller__Gateway__AllowedIPs__1"] = "10.202.9.0/24",
                ["Controller__Gateway__PersistentKeepalive"] = "5",
                ["Logging__LogLevel__Default"] = "Warning",
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            };
            if (database is not null)
            {
                environment["Controller__Database"] = "postgres";
                environment["Controller__ConnectionString"] = database;
            }

            var process = new NamespaceProcess(Gateway, "dotnet", [controller, "--urls", $"http://0.0.0.0:{Port(replica)}", "--contentRoot", Directory], environment);
            _controllers.Add(process);
            _processes.Add(process);
            int port = Port(replica);
            var api = new HttpClient(new SocketsHttpHandler
            {
                // The controller listens inside the gateway's namespace: the API's sockets are made there.
                ConnectCallback = async (context, cancellationToken) =>
                {
                    Socket socket = NetworkNamespace.Run(Gateway, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            })
            { BaseAddress = new Uri($"http://controller.lab:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            _apis.Add(api);
            WaitFor(() => Answers(api) || process.HasExited, TimeSpan.FromSeconds(60), $"controller {replica} starting");
            Assert.False(process.HasExited, process.Log);
        }
    }

    public string Directory { get; }

    public string Gateway => $"tcg{_id}";

    public string WireGuardInterface => $"wgc{_id}";

    public string UapiSocket => $"/var/run/wireguard/{WireGuardInterface}.sock";

    /// <summary>A client presenting the bootstrap token to the first controller.</summary>
    public HttpClient Api => _apis[0];

    public TestHttpServer Http { get; }

    public string ControllerLog => string.Join("\n", _controllers.Select(controller => controller.Log));

    /// <summary>Calls replica <paramref name="replica"/>'s API, expecting success: the envelope's result.</summary>
    public async Task<JsonNode> CallAsync(HttpMethod method, string path, object? body = null, int replica = 0)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using HttpResponseMessage response = await _apis[replica].SendAsync(request, TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}\n{ControllerLog}");
        return JsonNode.Parse(text)!["result"]!;
    }

    /// <summary>
    /// A new client namespace on the bridge, enrolled for <paramref name="email"/> in <paramref name="groups"/> with
    /// replica <paramref name="replica"/> (whose policy stream its agent then follows), its agent running and connected.
    /// </summary>
    public async Task<Client> AddClientAsync(string email, string[] groups, int replica = 0)
    {
        int number = Interlocked.Increment(ref _clients);
        string ns = $"tcc{_id}{number}";
        AddNamespace(ns);
        string host = $"vh{_id}{number}", peer = $"vp{_id}{number}";
        Command.Run("ip", "link", "add", host, "netns", ns, "type", "veth", "peer", "name", peer, "netns", Gateway);
        Command.Run("ip", "-n", Gateway, "link", "set", peer, "master", "br0", "up");
        Command.Run("ip", "-n", ns, "address", "add", $"10.202.1.{number + 1}/24", "dev", host);
        Command.Run("ip", "-n", ns, "link", "set", host, "up");
        System.IO.Directory.CreateDirectory($"/etc/netns/{ns}");
        File.WriteAllText($"/etc/netns/{ns}/resolv.conf", "nameserver 10.202.1.1\n");

        string token = (await CallAsync(HttpMethod.Post, "accounts/acme/enrolment_tokens", new { user = new { email, groups } }, replica))["value"]!.GetValue<string>();
        string directory = Path.Combine(Directory, $"client{number}");
        System.IO.Directory.CreateDirectory(directory);
        string config = Path.Combine(directory, "agent.json");
        var enrolled = Command.Try("ip", ["netns", "exec", ns, Lab.AgentPath, "enroll", "--controller", $"http://10.202.1.1:{Port(replica)}", "--token", token, "--config", config, "--name", $"client{number}"], TimeSpan.FromSeconds(60));
        Assert.True(enrolled.Succeeded, $"enroll failed: {enrolled.Error}{enrolled.Output}\n{ControllerLog}");

        // What enrolment wrote, with the lab's own places for the interface, the API, the resolver and the local settings.
        var json = JsonNode.Parse(await File.ReadAllTextAsync(config))!.AsObject();
        json["interface"] = $"tct{_id}{number}";
        json["api"] = new JsonObject { ["socket"] = Path.Combine(directory, "agent.sock") };
        json["dns"] = new JsonObject
        {
            ["listen"] = "127.0.0.53:53",
            ["resolver"] = "resolv.conf",
            ["upstreams"] = new JsonArray("10.202.1.1"),
            ["resolvConf"] = $"/etc/netns/{ns}/resolv.conf",
            ["resolvConfBackup"] = Path.Combine(directory, "resolv.conf.saved"),
        };
        json["localSettings"] = Path.Combine(directory, "local-settings.json");
        File.WriteAllText(config, json.ToJsonString());

        var agent = new AgentProcess(ns, Path.Combine(directory, "agent.sock"), config, "--connect");
        _processes.Add(agent);

        // Until its first policy arrives the agent runs its configuration's defaults (a full tunnel): wait for it.
        WaitFor(() => agent.Ctl("--json", "settings").Output.Contains("\"policy\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30), $"{email}'s agent applying its first policy\n{agent.Log}\n{ControllerLog}");
        return new Client(ns, agent, Guid.Parse(enrolled.Output.Split(' ')[4]));
    }

    /// <summary>Fetches http://TARGET:8080/ from <paramref name="ns"/>; whom the server saw, or null when it was not reached.</summary>
    public static string? TryFetch(string ns, string target)
    {
        var result = Command.Try("ip", ["netns", "exec", ns, "curl", "-sS", "--max-time", "1", $"http://{target}:8080/"], TimeSpan.FromSeconds(10));
        return result.Succeeded ? result.Output.Trim().Split(' ')[0] : null;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, at most <paramref name="within"/>; how long it took.</summary>
    public static TimeSpan WaitFor(Func<bool> condition, TimeSpan within, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < within, $"{what}: not within {within.TotalSeconds} s");
            Thread.Sleep(50);
        }

        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (HttpClient api in _apis)
        {
            api.Dispose();
        }

        foreach (IDisposable process in Enumerable.Reverse(_processes))
        {
            process.Dispose();
        }

        foreach (IAsyncDisposable server in _servers)
        {
            await server.DisposeAsync();
        }

        foreach (string ns in _namespaces)
        {
            Command.Try("ip", ["netns", "delete", ns]);
            if (System.IO.Directory.Exists($"/etc/netns/{ns}"))
            {
                System.IO.Directory.Delete($"/etc/netns/{ns}", recursive: true);
            }
        }

        System.IO.Directory.Delete(Directory, recursive: true);
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    private static int Port(int replica) => 5080 + replica;

    private static bool Answers(HttpClient api)
    {
        try
        {
            return api.GetAsync("accounts/acme/devices").GetAwaiter().GetResult().IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
    }

    private void AddNamespace(string ns)
    {
        Command.Run("ip", "netns", "add", ns);
        _namespaces.Add(ns);
        Command.Run("ip", "-n", ns, "link", "set", "lo", "up");
    }

    /// <summary>An enrolled client: its namespace, its agent, its device id.</summary>
    public sealed record Client(string Namespace, AgentProcess Agent, Guid DeviceId);
}
