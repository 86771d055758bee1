using System.Diagnostics;

namespace Tunnel.Platform.Tests.Linux;

/// <summary>A private D-Bus message bus: a <c>dbus-daemon</c> child on a socket in a temporary directory, gone on dispose.</summary>
internal sealed class PrivateBus : IDisposable
{
    private readonly Process _daemon;
    private readonly string _directory;

    private PrivateBus(Process daemon, string directory, string address)
    {
        _daemon = daemon;
        _directory = directory;
        Address = address;
    }

    /// <summary>The bus address to connect to, as the daemon printed it.</summary>
    public string Address { get; }

    /// <summary>Starts a bus with the session bus's policy (everything allowed to its own user); skips where there is no dbus-daemon.</summary>
    public static async Task<PrivateBus> StartAsync(CancellationToken cancellationToken)
    {
        string daemon = Requirements.DBusDaemon();
        string directory = Directory.CreateTempSubdirectory("tunnel-bus-").FullName;
        var start = new ProcessStartInfo(daemon) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "--session", "--nofork", "--nopidfile", "--print-address", $"--address=unix:path={Path.Combine(directory, "bus")}" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        string? address = await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        if (string.IsNullOrEmpty(address))
        {
            string error = await process.StandardError.ReadToEndAsync(cancellationToken);
            process.Kill();
            process.Dispose();
            Assert.Fail($"dbus-daemon printed no address: {error}");
        }

        return new PrivateBus(process, directory, address.Trim());
    }

    public void Dispose()
    {
        if (!_daemon.HasExited)
        {
            _daemon.Kill();
            _daemon.WaitForExit();
        }

        _daemon.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
