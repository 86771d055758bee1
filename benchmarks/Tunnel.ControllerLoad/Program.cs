using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Npgsql;
using Tunnel.Testing.Postgres;

// tunnel-controller-load: the controller under load, as operators run it (its own process), with simulated agents
// speaking the real protocol over HTTP: enrolment, one policy stream each, a change and its time to reach them all,
// and the device list's latency at 100,000 devices in PostgreSQL.
//   dotnet run -c Release --project benchmarks/Tunnel.ControllerLoad -- [--agents 5000] [--devices 100000] [--rounds 3]
int agents = 5000, devices = 100_000, rounds = 3;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    int value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--agents": agents = value; break;
        case "--devices": devices = value; break;
        case "--rounds": rounds = value; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

string bin = ThrowawayPostgres.FindBin() ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql).");
await using ThrowawayPostgres postgres = await ThrowawayPostgres.StartAsync(bin);
string database = await postgres.CreateDatabaseAsync();
const string Token = "tca_load-bootstrap-token-0123456789";
int port = FreePort();
string controllerDll = Path.Combine(AppContext.BaseDirectory, "..", "..", "Tunnel.Controller", Path.GetFileName(AppContext.BaseDirectory.TrimEnd('/')), "tunnel-controller.dll");
var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
foreach (string argument in new[] { Path.GetFullPath(controllerDll), "--urls", $"http://127.0.0.1:{port}" })
{
    start.ArgumentList.Add(argument);
}

start.Environment["Controller__Database"] = "postgres";
start.Environment["Controller__ConnectionString"] = database;
start.Environment["Controller__BootstrapAccount"] = "acme";
start.Environment["Controller__BootstrapToken"] = Token;
start.Environment["Logging__LogLevel__Default"] = "Warning";
using Process controller = Process.Start(start)!;
controller.OutputDataReceived += (_, _) => { };
controller.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"controller: {e.Data}"); };
controller.BeginOutputReadLine();
controller.BeginErrorReadLine();
try
{
    using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
    using var api = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(2) };
    api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    await WaitReadyAsync(api, controller);
    Console.WriteLine($"controller pid {controller.Id} on PostgreSQL; {Environment.ProcessorCount} cores; {agents} agents");

    // Enrolment, 16 at a time.
    string enrolment = (await CallAsync(api, HttpMethod.Post, "accounts/acme/enrolment_tokens", new { user = new { email = "load@corp.example", groups = new[] { "Load" } } }))["value"]!.GetValue<string>();
    var credentials = new string[agents];
    var clock = Stopwatch.StartNew();
    await Parallel.ForAsync(0, agents, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
    {
        var key = new byte[32];
        System.Security.Cryptography.RandomNumberGenerator.Fill(key);
        key[0] = (byte)(i & 0xff); // any 32 bytes are a valid public key for the controller's purpose
        JsonNode enrolled = await CallAsync(api, HttpMethod.Post, "agent/v1/enrol", new { token = enrolment, public_key = Convert.ToBase64String(key), name = $"load-{i}", device_type = "linux" });
        credentials[i] = enrolled["device_credential"]!.GetValue<string>();
    });
    double enrolSeconds = clock.Elapsed.TotalSeconds;

    // Attached: one stream per agent, each reading its first policy.
    await Task.Delay(1000);
    long rssBefore = Rss(controller.Id);
    var streams = new AgentStream[agents];
    clock.Restart();
    await Parallel.ForAsync(0, agents, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
    {
        streams[i] = await AgentStream.OpenAsync(api, credentials[i]);
    });
    double attachSeconds = clock.Elapsed.TotalSeconds;
    await Task.Delay(3000);
    long rssAfter = Rss(controller.Id);

    var results = new List<string>();
    for (int round = 1; round <= rounds; round++)
    {
        long version = streams[0].Version;
        var change = Stopwatch.StartNew();
        Task<TimeSpan>[] arrivals = [.. streams.Select(stream => stream.NextAfterAsync(version, change))];
        await CallAsync(api, HttpMethod.Put, "accounts/acme/devices/policy/include", new[] { new { address = $"10.{round}.0.0/16", description = $"round {round}" } });
        TimeSpan[] latencies = await Task.WhenAll(arrivals).WaitAsync(TimeSpan.FromMinutes(2));
        Array.Sort(latencies);
        results.Add(string.Create(CultureInfo.InvariantCulture, $"| change {round} reaches all {agents} | p50 {Ms(latencies[latencies.Length / 2])} ms, p99 {Ms(latencies[(int)(latencies.Length * 0.99)])} ms, last {Ms(latencies[^1])} ms |"));
    }

    foreach (AgentStream stream in streams)
    {
        stream.Dispose();
    }

    // The device list at 100,000 devices: the rest inserted straight into the store.
    int more = Math.Max(0, devices - agents);
    await using (var connection = new NpgsqlConnection(database))
    {
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand("""
            INSERT INTO devices ("Id", "AccountId", "Key", "Ip", "CredentialHash", "Name", "DeviceType", "Model", "OsVersion", "SerialNumber", "MacAddress", "Version", "UserId", "UserEmail", "UserGroups", "Created", "Updated")
            SELECT gen_random_uuid(), 'acme', encode(sha256(('key' || n)::bytea), 'base64'), '100.' || (112 + n / 65536) || '.' || ((n / 256) % 256) || '.' || (n % 256),
                   encode(sha256(('credential' || n)::bytea), 'hex'), 'bulk-' || n, (ARRAY['windows','mac','linux'])[1 + n % 3], 'model', 'os', 'sn', '', '0.1.0',
                   'user' || n || '@corp.example', 'user' || n || '@corp.example', '', now() + n * interval '1 millisecond', now()
            FROM generate_series(1, @more) AS n
            """, connection);
        insert.Parameters.AddWithValue("more", more);
        insert.CommandTimeout = 600;
        await insert.ExecuteNonQueryAsync();
        await using var analyze = new NpgsqlCommand("ANALYZE devices", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    int total = (int)(await CallAsync(api, HttpMethod.Get, "accounts/acme/devices?per_page=1", null, envelope: true))["result_info"]!["total_count"]!.GetValue<int>();
    var random = new Random(1);
    foreach ((string name, Func<string> path) in new (string, Func<string>)[]
    {
        ("first page", () => "accounts/acme/devices?per_page=50"),
        ("a random page", () => $"accounts/acme/devices?per_page=50&page={1 + random.Next(total / 50)}"),
        ("type=mac, a random page", () => $"accounts/acme/devices?type=mac&per_page=50&page={1 + random.Next(total / 150)}"),
    })
    {
        var times = new List<double>();
        for (int i = 0; i < 300; i++)
        {
            var one = Stopwatch.StartNew();
            await CallAsync(api, HttpMethod.Get, path(), null);
            times.Add(one.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        results.Add(string.Create(CultureInfo.InvariantCulture, $"| device list at {total:N0} devices, {name} (50 per page) | p50 {times[times.Count / 2]:F1} ms, p99 {times[(int)(times.Count * 0.99)]:F1} ms |"));
    }

    Console.WriteLine();
    Console.WriteLine("| measurement | result |");
    Console.WriteLine("|---|---|");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| enrolment, 16 at a time | {agents / enrolSeconds:F0} devices per second |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {agents} agents attach (stream open, first policy read) | {attachSeconds:F1} s |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| controller memory per attached agent | {(rssAfter - rssBefore) / (double)agents / 1024:F1} KiB (RSS {rssBefore / 1048576.0:F0} MiB before, {rssAfter / 1048576.0:F0} MiB after) |"));
    foreach (string line in results)
    {
        Console.WriteLine(line);
    }

    return 0;
}
finally
{
    controller.Kill(entireProcessTree: true);
    await controller.WaitForExitAsync();
}

static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture);

static long Rss(int pid)
{
    string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

static int FreePort()
{
    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    return ((IPEndPoint)socket.LocalEndPoint!).Port;
}

static async Task WaitReadyAsync(HttpClient api, Process controller)
{
    for (int attempt = 0; attempt < 600; attempt++)
    {
        if (controller.HasExited)
        {
            throw new InvalidOperationException($"the controller exited with {controller.ExitCode}");
        }

        try
        {
            using HttpResponseMessage response = await api.GetAsync("accounts/acme/devices");
            if (response.IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
        }

        await Task.Delay(100);
    }

    throw new TimeoutException("the controller did not start within 60 s");
}

static async Task<JsonNode> CallAsync(HttpClient api, HttpMethod method, string path, object? body, bool envelope = false)
{
    using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
    using HttpResponseMessage response = await api.SendAsync(request);
    string text = await response.Content.ReadAsStringAsync();
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
    }

    JsonNode answer = JsonNode.Parse(text)!;
    return envelope ? answer : answer["result"]!;
}

/// <summary>A simulated agent's policy stream: the versions it has read, and when the next one came.</summary>
internal sealed class AgentStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private readonly Task _reading;
    private readonly object _gate = new();
    private TaskCompletionSource<long> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AgentStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
        _reading = ReadAsync();
    }

    public long Version { get; private set; } = -1;

    public static async Task<AgentStream> OpenAsync(HttpClient api, string credential)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "agent/v1/policy/stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        HttpResponseMessage response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var stream = new AgentStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        Task<long> first;
        lock (stream._gate)
        {
            first = stream.Version >= 0 ? Task.FromResult(stream.Version) : stream._next.Task;
        }

        await first.WaitAsync(TimeSpan.FromMinutes(2));
        return stream;
    }

    /// <summary>When (on <paramref name="clock"/>) a version after <paramref name="version"/> arrives.</summary>
    public async Task<TimeSpan> NextAfterAsync(long version, Stopwatch clock)
    {
        while (true)
        {
            Task<long> next;
            lock (_gate)
            {
                if (Version > version)
                {
                    return clock.Elapsed;
                }

                next = _next.Task;
            }

            await next;
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            string? id = null;
            while (await _reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.Length == 0 && id is not null)
                {
                    TaskCompletionSource<long> arrived;
                    lock (_gate)
                    {
                        Version = long.Parse(id, CultureInfo.InvariantCulture);
                        arrived = _next;
                        _next = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    arrived.TrySetResult(Version);
                    id = null;
                }
            }
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or HttpRequestException)
        {
            // Disposed at the end.
        }
    }
}
