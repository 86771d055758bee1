using System.Diagnostics;
using System.Net;

namespace Tunnel.Proxy.Tests;

/// <summary><c>tunnel-proxy</c> as its users run it: the command line, the one line it prints when it listens (both proxies), the exit codes.</summary>
public sealed class ProxyProcessTests
{
    private static readonly string Proxy = Path.Combine(AppContext.BaseDirectory, "tunnel-proxy.dll");

    [Fact]
    public async Task ItListens_PrintsOneLine_AndCarriesHttpClientsRequests()
    {
        await using FarPeer far = await FarPeer.StartAsync(51);
        string config = Path.Combine(Directory.CreateTempSubdirectory("tunnel-proxy-").FullName, "wg0.conf");
        await File.WriteAllTextAsync(config, far.ClientConfiguration, TestContext.Current.CancellationToken);

        using Process process = Start("--config", config, "--socks5", "127.0.0.1:0", "--http", "127.0.0.1:0");
        try
        {
            string? line = await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            Assert.NotNull(line);
            Assert.Matches(@"^tunnel-proxy: SOCKS5 on 127\.0\.0\.1:\d+, HTTP on 127\.0\.0\.1:\d+ through 10\.97\.0\.1 \(1 peer\(s\)\)$", line);
            string[] words = line.Split(' ');

            using var socks5 = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"socks5://{words[3].TrimEnd(',')}") });
            Assert.Equal("far peer: GET /from-the-process", await socks5.GetStringAsync("http://web.corp.example/from-the-process", TestContext.Current.CancellationToken));
            using var http = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{words[6]}") });
            Assert.Equal("far peer: GET /through-http", await http.GetStringAsync("http://web.corp.example/through-http", TestContext.Current.CancellationToken));
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    [Theory]
    [InlineData(2, "--socks5 is required", "--config", "x.conf")]
    [InlineData(2, "is not an address and port", "--config", "x.conf", "--socks5", "localhost")]
    [InlineData(2, "--http 'localhost:80' is not an address and port", "--config", "x.conf", "--http", "localhost:80")]
    [InlineData(1, "cannot read /nonexistent/wg0.conf", "--config", "/nonexistent/wg0.conf", "--socks5", "127.0.0.1:0")]
    public async Task ABadCommandLineOrConfiguration_ExitsNonZero_WithAClearMessage(int exitCode, string message, params string[] arguments)
    {
        using Process process = Start(arguments);
        string error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(exitCode, process.ExitCode);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConfigurationWithABadLine_IsReportedWithItsLineNumber()
    {
        string config = Path.Combine(Directory.CreateTempSubdirectory("tunnel-proxy-").FullName, "bad.conf");
        await File.WriteAllTextAsync(config, "[Interface]\nPrivateKey = not-a-key\n", TestContext.Current.CancellationToken);

        using Process process = Start("--config", config, "--socks5", "127.0.0.1:0");
        string error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("line 2", error, StringComparison.OrdinalIgnoreCase);
    }

    private static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Proxy);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }
}
