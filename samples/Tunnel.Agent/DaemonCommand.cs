using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Tunnel.Platform.Linux;
using Tunnel.Uapi;

namespace Tunnel.Agent;

/// <summary>
/// The wireguard-go-compatible daemon: a TUN interface, the UAPI socket for <c>wg</c>, and the tunnel
/// between them. Without <c>-f</c> it daemonizes as wireguard-go does: the parent starts a detached copy of
/// itself and exits 0 once that copy reports the interface and the socket are up, which is what wg-quick
/// waits for.
/// </summary>
internal static partial class DaemonCommand
{
    /// <summary>Set in the detached copy, so it knows to start a session and report readiness on stdout.</summary>
    private const string DaemonChildVariable = "TUNNEL_AGENT_DAEMON_CHILD";
    private const string ReadyLine = "ready";

    public static bool ForegroundRequested => Environment.GetEnvironmentVariable("WG_PROCESS_FOREGROUND") == "1";

    public static async Task<int> RunAsync(string name, bool foreground)
    {
        if (!OperatingSystem.IsLinux())
        {
            Console.Error.WriteLine("tunnel-agent: the daemon needs Linux (/dev/net/tun); `tunnel-agent demo` runs anywhere.");
            return 1;
        }

        if (!FastPathSettings.TryRead(Environment.GetEnvironmentVariable(FastPathSettings.Variable), out FastPathSettings fastPath, out string? invalid))
        {
            Console.Error.WriteLine($"tunnel-agent: {invalid}");
            return 1;
        }

        if (!FastPathSettings.TryReadCryptoHelpers(Environment.GetEnvironmentVariable(FastPathSettings.CryptoHelpersVariable), out int cryptoHelpers, out invalid))
        {
            Console.Error.WriteLine($"tunnel-agent: {invalid}");
            return 1;
        }

        bool child = Environment.GetEnvironmentVariable(DaemonChildVariable) == "1";
        if (!foreground && !child)
        {
            return await DaemonizeAsync(name);
        }

        if (child)
        {
            LinuxProcess.StartSession();
        }

        using ILoggerFactory loggers = AgentLogging.Create(toConsole: !child);
        ILogger log = loggers.CreateLogger("tunnel-agent");
        TunnelHost host;
        UapiServer uapi;
        var usage = RuntimeUsage.Start();
        try
        {
            fastPath.ApplyAead();
            LinuxTunDevice tun = LinuxTunDevice.Create(name, fastPath.TunOptions);
            host = new TunnelHost(new TunnelOptions { CryptoHelperThreads = cryptoHelpers }, tun, fastPath.SocketFactory, loggers);
            host.Start();
            Log.FastPath(log, name, tun.Offloads, OnOff(fastPath.Batching), OnOff(fastPath.UdpSegmentation), OnOff(fastPath.UdpReceiveCoalescing), OnOff(fastPath.StickySource), Tunnel.Core.Crypto.AeadBackend.Current, cryptoHelpers);
            uapi = new UapiServer(host, loggerFactory: loggers);
            uapi.Start();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            Console.Error.WriteLine($"tunnel-agent: {error.Message}");
            return 1;
        }

        if (child)
        {
            Console.Out.WriteLine(ReadyLine);
            Console.Out.Flush();
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.TrySetResult(); });
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
        Task reason = await Task.WhenAny(stop.Task, host.Completion, uapi.Completion);
        int exitCode = 0;
        if (reason == host.Completion && host.Completion.IsFaulted)
        {
            Log.Stopped(log, name, host.Completion.Exception?.InnerException?.Message);
            exitCode = 1;
        }

        await uapi.DisposeAsync();
        TunnelStatistics statistics = host.GetStatistics();
        await host.DisposeAsync();
        if (Environment.GetEnvironmentVariable("LOG_LEVEL") != "silent")
        {
            // Whatever the log level: what a run cost the runtime is the point of the line.
            Console.Error.WriteLine($"tunnel-agent: {name} stopped. {usage.Describe(statistics, cryptoHelpers)}");
        }

        return exitCode;
    }

    /// <summary>Starts the detached copy and waits for its ready line (or its death, whose stderr is relayed).</summary>
    private static async Task<int> DaemonizeAsync(string name)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(Environment.GetCommandLineArgs()[0]); // run as `dotnet tunnel-agent.dll`: the first argument is the .dll
        }

        start.ArgumentList.Add(name);
        start.Environment[DaemonChildVariable] = "1";
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string? line = await process.StandardOutput.ReadLineAsync();
        if (line == ReadyLine)
        {
            return 0; // the copy runs on, detached; its pipes close when we exit
        }

        await process.WaitForExitAsync();
        Console.Error.Write(await errors);
        return process.ExitCode == 0 ? 1 : process.ExitCode;
    }

    private static string OnOff(bool value) => value ? "on" : "off";

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Error, "{Interface} stopped: {Reason}")]
        public static partial void Stopped(ILogger logger, string @interface, string? reason);

        [LoggerMessage(101, LogLevel.Information, "{Interface} fast path: TUN offloads {Offloads}; UDP batching {Batching}, GSO {Segmentation}, GRO {Coalescing}, packet info {PacketInfo} (asked for); ChaCha20-Poly1305 {Aead}, crypto helper threads {CryptoHelpers}")]
        public static partial void FastPath(ILogger logger, string @interface, LinuxTunOffloads offloads, string batching, string segmentation, string coalescing, string packetInfo, Tunnel.Core.Crypto.AeadImplementation aead, int cryptoHelpers);
    }
}
