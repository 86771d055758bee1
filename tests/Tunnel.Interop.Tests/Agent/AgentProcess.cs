using System.Diagnostics;
using System.Text.Json;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests.Agent;

/// <summary>
/// <c>tunnel-agent run --config FILE</c> in the lab's client namespace, driven the way an operator drives it:
/// with <c>tunnelctl</c> on the agent's socket.
/// </summary>
internal sealed class AgentProcess : IDisposable
{
    private readonly NamespaceProcess _process;
    private readonly string _socket;

    public AgentProcess(AgentLab lab, string configPath, params string[] extra)
        : this(lab.Client, lab.ApiSocket, configPath, extra)
    {
    }

    /// <summary>The agent in namespace <paramref name="ns"/>, its API on <paramref name="socket"/>.</summary>
    public AgentProcess(string ns, string socket, string configPath, params string[] extra)
    {
        _socket = socket;
        _process = new NamespaceProcess(ns, Lab.AgentPath, ["run", "--config", configPath, .. extra]);
        var deadline = Stopwatch.StartNew();
        while (Ctl("status").ExitCode != 0)
        {
            Assert.False(_process.HasExited, $"the agent exited with {(_process.HasExited ? _process.ExitCode : 0)}: {Log}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"the agent's API did not answer in 30 s: {Log}");
            Thread.Sleep(100);
        }
    }

    public string Log => _process.Log;

    public bool HasExited => _process.HasExited;

    /// <summary>The agent's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// <c>tunnelctl</c>: <c>TUNNEL_CTL</c> when set (the test command points it at the native AOT build), else
    /// the apphost built beside this test assembly.
    /// </summary>
    public static string CtlPath
    {
        get
        {
            if (Environment.GetEnvironmentVariable("TUNNEL_CTL") is { Length: > 0 } published)
            {
                return published;
            }

            string configuration = Path.GetFileName(AppContext.BaseDirectory.TrimEnd('/'));
            return Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "Tunnel.Cli", configuration, "tunnelctl"));
        }
    }

    /// <summary>Runs <c>tunnelctl --socket SOCKET ARGS</c>; the socket is a file, so no namespace is needed.</summary>
    public Command.Result Ctl(params string[] arguments) =>
        Command.Try(CtlPath, ["--socket", _socket, .. arguments], TimeSpan.FromSeconds(60));

    /// <summary>Starts <c>tunnelctl --json watch</c>: the agent's events, one JSON object per line, as they come.</summary>
    public AgentWatch Watch() => new(CtlPath, _socket);

    /// <summary>Runs tunnelctl, asserting success, and returns its standard output.</summary>
    public string CtlOk(params string[] arguments)
    {
        var result = Ctl(arguments);
        Assert.True(result.Succeeded, $"tunnelctl {string.Join(' ', arguments)} exited {result.ExitCode}: {result.Error}\nagent log:\n{Log}");
        return result.Output;
    }

    /// <summary>Runs <c>tunnelctl --json ARGS</c> and parses its answer.</summary>
    public JsonElement Json(params string[] arguments) =>
        JsonDocument.Parse(CtlOk(["--json", .. arguments])).RootElement.Clone();

    /// <summary>Waits until the agent reports a handshake with the gateway.</summary>
    public void WaitForHandshake()
    {
        var deadline = Stopwatch.StartNew();
        while (!Json("status").TryGetProperty("handshakeAgeSeconds", out _))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"no handshake with the gateway in 20 s: {Log}");
            Thread.Sleep(200);
        }
    }

    /// <summary>SIGKILL: nothing of the agent runs after it.</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGTERM, as systemd stops it, then SIGKILL after 10 s.</summary>
    public void Dispose() => _process.Dispose();
}

/// <summary>A running <c>tunnelctl --json watch</c> and the events it has printed.</summary>
internal sealed class AgentWatch : IDisposable
{
    private readonly Process _process;
    private readonly List<JsonElement> _events = [];

    public AgentWatch(string ctl, string socket)
    {
        var start = new ProcessStartInfo(ctl) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "--socket", socket, "--json", "watch" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (!string.IsNullOrEmpty(e.Data))
            {
                lock (_events)
                {
                    _events.Add(JsonDocument.Parse(e.Data).RootElement.Clone());
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Waits until an event of <paramref name="type"/> has come, failing after 20 s.</summary>
    public JsonElement WaitFor(string type)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            lock (_events)
            {
                foreach (var e in _events)
                {
                    if (e.GetProperty("type").GetString() == type)
                    {
                        return e;
                    }
                }

                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"no '{type}' event in 20 s; got: {string.Join(", ", _events.Select(e => e.GetProperty("type").GetString()))}");
            }

            Thread.Sleep(100);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.WaitForExit();
        _process.Dispose();
    }
}
