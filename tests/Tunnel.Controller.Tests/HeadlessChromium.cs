using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Tunnel.Controller.Tests;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol (a WebSocket to the page's target): navigate, and
/// evaluate script in the page as a user's clicks and typing would run it.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private int _id;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>The browser, or a skip (a failure under CI) when it is not installed.</summary>
    public static async Task<HeadlessChromium> StartAsync()
    {
        string? binary = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            const string Why = "Chromium is not installed (Debian: apt-get install chromium)";
            if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
            {
                Assert.Fail($"{Why}; the test command installs it.");
            }

            Assert.Skip(Why);
        }

        string profile = Directory.CreateTempSubdirectory("tunnel-chromium-").FullName;
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--remote-debugging-port=0", $"--user-data-dir={profile}", "about:blank" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new HeadlessChromium(process, profile);
        string portFile = Path.Combine(profile, "DevToolsActivePort");
        for (int i = 0; i < 300 && !File.Exists(portFile); i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        int port = int.Parse((await File.ReadAllLinesAsync(portFile, TestContext.Current.CancellationToken))[0], System.Globalization.CultureInfo.InvariantCulture);
        using var http = new HttpClient();
        JsonArray targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list", TestContext.Current.CancellationToken))!.AsArray();
        string page = targets.First(target => target!["type"]!.GetValue<string>() == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
        await browser._socket.ConnectAsync(new Uri(page), TestContext.Current.CancellationToken);
        return browser;
    }

    /// <summary>Opens <paramref name="url"/> and waits for the page to load.</summary>
    public async Task NavigateAsync(Uri url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        await WaitForAsync("document.readyState === 'complete' && location.href !== 'about:blank'");
    }

    /// <summary>Runs <paramref name="expression"/> in the page (awaiting a promise) and returns its value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        JsonNode result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true });
        if (result["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException($"the page threw: {exception.ToJsonString()}");
        }

        return result["result"]?["value"];
    }

    /// <summary>Waits until <paramref name="condition"/> (a script expression) is true in the page.</summary>
    public async Task WaitForAsync(string condition, int seconds = 10)
    {
        for (int i = 0; i < seconds * 20; i++)
        {
            if (await EvaluateAsync($"!!({condition})") is JsonValue value && value.GetValue<bool>())
            {
                return;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"not true in the page within {seconds} s: {condition}\npage: {await EvaluateAsync("document.body.innerText")}");
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_profile, recursive: true);
        }
    }

    private async Task<JsonNode> SendAsync(string method, JsonObject parameters)
    {
        int id = ++_id;
        byte[] message = Encoding.UTF8.GetBytes(new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters }.ToJsonString());
        await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, TestContext.Current.CancellationToken);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var text = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
                text.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);

            JsonNode answer = JsonNode.Parse(text.ToArray())!;
            if (answer["id"]?.GetValue<int>() == id)
            {
                return answer["error"] is { } error ? throw new InvalidOperationException($"{method}: {error.ToJsonString()}") : answer["result"]!;
            }
        }
    }
}
