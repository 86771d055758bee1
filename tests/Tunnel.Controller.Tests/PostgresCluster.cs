using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Tunnel.Controller.Tests;

/// <summary>
/// A real PostgreSQL for the tests: a throwaway cluster made with Debian's <c>initdb</c> in a temporary directory,
/// listening only on a UNIX socket there, stopped and removed at the end. As root, it runs as the <c>postgres</c> user
/// (the server refuses to run as root). Each test gets a database of its own.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private string _directory = null!;
    private string _bin = null!;
    private int _port;
    private int _databases;

    public async ValueTask InitializeAsync()
    {
        _bin = FindBin() ?? Unavailable("PostgreSQL's initdb is not installed (Debian: apt-get install postgresql)");
        _directory = Directory.CreateTempSubdirectory("tunnel-controller-pg-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_directory, (UnixFileMode)0b111_101_101);
        }

        _port = FreePort();
        bool root = Environment.UserName == "root";
        if (root)
        {
            Run("chown", "postgres", _directory);
        }

        string data = Path.Combine(_directory, "data");
        RunAs(root, Path.Combine(_bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions");
        RunAs(root, Path.Combine(_bin, "pg_ctl"), "-D", data, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60",
            "-o", string.Create(CultureInfo.InvariantCulture, $"-k {_directory} -p {_port} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c max_connections=300"), "start");
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_directory is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            RunAs(Environment.UserName == "root", Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }

        await Task.CompletedTask;
    }

    public string ConnectionString(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host={_directory};Port={_port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=200");

    /// <summary>A new, empty database.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        string name = string.Create(CultureInfo.InvariantCulture, $"controller_{Interlocked.Increment(ref _databases)}");
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    private static string Unavailable(string why)
    {
        if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
        {
            Assert.Fail($"{why}; the test command installs it.");
        }

        Assert.Skip(why);
        return null!;
    }

    private static string? FindBin()
    {
        if (!Directory.Exists("/usr/lib/postgresql"))
        {
            return null;
        }

        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(version => Path.Combine(version, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "initdb")))
            .OrderByDescending(bin => bin, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static void RunAs(bool root, string program, params string[] arguments)
    {
        if (root)
        {
            Run("runuser", ["-u", "postgres", "--", program, .. arguments]);
        }
        else
        {
            Run(program, arguments);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error.Result}{output.Result}");
        }
    }
}
