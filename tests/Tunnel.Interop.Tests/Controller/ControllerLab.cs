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

namespace Tunnel.Interop.Tests.Controller;

/// <summary>
/// A fleet in namespaces: the gateway namespace runs wireguard-go (10.96.0.1/16, its UAPI socket given to the
/// controller), tunnel-controller on port 5080 (SQLite), and HTTP servers on 10.202.9.1 and 10.202.9.2 that only the
/// tunnel reaches; client namespaces hang off its bridge (10.202.1.0/24) and run enrolled agents.
/// <code>
///   client 1 (agent) 10.202.1.2 --+
///                                 +-- br 10.202.1.1  gateway: wireguard-go, controller, HTTP on 10.202.9.1-2
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
    private readonly NamespaceProcess _controller;
    private int _clients;

    public ControllerLab()
    {
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

        // The gateway: wireguard-go, whose peers only the controller sets.
        string key = Path.Combine(Directory, "gateway.key");
        File.WriteAllText(key, Command.Run("wg", "genkey"));
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _gateway = new NamespaceProcess(Gateway, "wireguard-go", ["-f", WireGuardInterface], new Dictionary<string, string> { ["WG_PROCESS_FOREGROUND"] = "1", ["LOG_LEVEL"] = "error" });
        _processes.Add(_gateway);
        Lab.WaitUntil(() => File.Exists(UapiSocket), $"wireguard-go did not start: {_gateway.Log}");
        Command.Run("ip", "netns", "exec", Gateway, "wg", "set", WireGuardInterface, "private-key", key, "listen-port", "51820");
        Command.Run("ip", "-n", Gateway, "address", "add", "10.96.0.1/16", "dev", WireGuardInterface);
        Command.Run("ip", "-n", Gateway, "link", "set", WireGuardInterface, "mtu", "1420", "up");

        // The controller, as operators run it.
        string configuration = Path.GetFileName(AppContext.BaseDirectory.TrimEnd('/'));
        string controller = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "Tunnel.Controller", configuration, "tunnel-controller.dll"));
        Assert.True(File.Exists(controller), $"tunnel-controller is not built at {controller}");
        _controller = new NamespaceProcess(Gateway, "dotnet", [controller, "--urls", "http://0.0.0.0:5080", "--contentRoot", Directory], new Dictionary<string, string>
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
        });
        _processes.Add(_controller);
        Api = new HttpClient(new SocketsHttpHandler
        {
            // The controller listens inside the gateway's namespace: the API's sockets are made there.
            ConnectCallback = async (context, cancellationToken) =>
            {
                Socket socket = NetworkNamespace.Run(Gateway, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri("http://controller.lab:5080/"), Timeout = TimeSpan.FromSeconds(30) };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        WaitFor(() => Answers() || _controller.HasExited, TimeSpan.FromSeconds(60), "the controller starting");
        Assert.False(_controller.HasExited, _controller.Log);
    }

    public string Directory { get; }

    public string Gateway => $"tcg{_id}";

    public string WireGuardInterface => $"wgc{_id}";

    public string UapiSocket => $"/var/run/wireguard/{WireGuardInterface}.sock";

    /// <summary>A client presenting the bootstrap token to the controller.</summary>
    public HttpClient Api { get; }

    public TestHttpServer Http { get; }

    public string ControllerLog => _controller.Log;

    /// <summary>Calls the API, expecting success: the envelope's result.</summary>
    public async Task<JsonNode> CallAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using HttpResponseMessage response = await Api.SendAsync(request, TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}\n{ControllerLog}");
        return JsonNode.Parse(text)!["result"]!;
    }

    /// <summary>A new client namespace on the bridge, enrolled for <paramref name="email"/> in <paramref name="groups"/>, its agent running and connected.</summary>
    public async Task<Client> AddClientAsync(string email, string[] groups)
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

        string token = (await CallAsync(HttpMethod.Post, "accounts/acme/enrolment_tokens", new { user = new { email, groups } }))["value"]!.GetValue<string>();
        string directory = Path.Combine(Directory, $"client{number}");
        System.IO.Directory.CreateDirectory(directory);
        string config = Path.Combine(directory, "agent.json");
        var enrolled = Command.Try("ip", ["netns", "exec", ns, Lab.AgentPath, "enroll", "--controller", "http://10.202.1.1:5080", "--token", token, "--config", config, "--name", $"client{number}"], TimeSpan.FromSeconds(60));
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
        Api.Dispose();
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
    }

    private bool Answers()
    {
        try
        {
            return Api.GetAsync("accounts/acme/devices").GetAwaiter().GetResult().IsSuccessStatusCode;
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
