using System.Globalization;
using System.Net.Sockets;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests.Agent;

/// <summary>
/// What of the private key a running agent's memory holds, read from a core dump (<c>gcore</c>, from Debian's
/// gdb package): a status read a hundred times copies no key, a connection holds a few copies (the device's),
/// and a disconnected agent none. Works the same for the JIT build and the native AOT one (<c>TUNNEL_AGENT</c>).
/// </summary>
public sealed class AgentSecretsTests
{
    /// <summary>
    /// The copies a connection needs: the device's key, the engine's and the one in the device's options (3),
    /// plus those the handshake path makes as it runs (its jobs copy the key for the X25519 work off the lock;
    /// 7 in all measured); the bound is a constant, not one per status read.
    /// </summary>
    private const int MaxCopiesWhileConnected = 8;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_private_key_is_held_a_few_times_while_connected_and_not_at_all_after_disconnect()
    {
        Requirements.CheckProgram("gcore", "gdb");
        await using var lab = new AgentLab();
        string conf = lab.StartGateway();
        byte[] key = Convert.FromBase64String(conf.Split('\n').Single(line => line.TrimStart().StartsWith("PrivateKey", StringComparison.Ordinal)).Split('=', 2)[1].Trim());
        string config = lab.WriteConfig(conf, "exclude", "[]");
        using var agent = new AgentProcess(lab, config);
        using var api = Client(lab.ApiSocket);

        Assert.Equal(0, Count(Dump(agent, lab, "started"), key));
        (await api.PostAsync("/v1/connect", null, Token)).EnsureSuccessStatusCode();
        agent.WaitForHandshake();
        for (int i = 0; i < 100; i++)
        {
            (await api.GetAsync("/v1/status", Token)).EnsureSuccessStatusCode();
        }

        (await api.GetAsync("/v1/health", Token)).EnsureSuccessStatusCode();
        (await api.GetAsync("/v1/stats", Token)).EnsureSuccessStatusCode();
        int connected = Count(Dump(agent, lab, "connected"), key);
        (await api.PostAsync("/v1/disconnect", null, Token)).EnsureSuccessStatusCode();
        int disconnected = Count(Dump(agent, lab, "disconnected"), key);

        string counts = $"raw private key copies in the agent's memory: {connected} connected (after 100 status reads), {disconnected} after disconnect";
        TestContext.Current.SendDiagnosticMessage(counts);
        Assert.True(connected is >= 1 and <= MaxCopiesWhileConnected, counts);
        Assert.True(disconnected == 0, counts);
    }

    /// <summary>Dumps the agent's memory to a file and returns its path (removed with the lab's directory).</summary>
    private static string Dump(AgentProcess agent, AgentLab lab, string name)
    {
        string prefix = Path.Combine(lab.Directory, $"core-{name}");
        var result = Command.Try("gcore", ["-o", prefix, agent.ProcessId.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(120));
        string path = $"{prefix}.{agent.ProcessId}";
        Assert.True(File.Exists(path), $"gcore wrote no dump ({result.ExitCode}): {result.Error}");
        return path;
    }

    /// <summary>How often <paramref name="needle"/> occurs in the file, read in chunks that overlap by one needle.</summary>
    private static int Count(string path, byte[] needle)
    {
        int count = 0;
        byte[] buffer = new byte[(8 << 20) + needle.Length];
        int carried = 0;
        using (var file = File.OpenRead(path))
        {
            int read;
            while ((read = file.Read(buffer, carried, buffer.Length - carried)) > 0)
            {
                var window = buffer.AsSpan(0, carried + read);
                for (int at = window.IndexOf(needle); at >= 0;)
                {
                    count++;
                    int next = window[(at + 1)..].IndexOf(needle);
                    at = next < 0 ? -1 : at + 1 + next;
                }

                // Keep the last needle-length-minus-one bytes, so a match across chunks is found once.
                carried = Math.Min(needle.Length - 1, window.Length);
                window[^carried..].CopyTo(buffer);
            }
        }

        File.Delete(path);
        return count;
    }

    private static HttpClient Client(string socket) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken);
            return new NetworkStream(client, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri("http://localhost") };
}
