using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Tunnel.Net;

namespace Tunnel.Interop.Tests.InProcess;

/// <summary>
/// The client side of iperf3's protocol, one TCP stream, over the in-process stack: the control connection (a
/// 37-byte cookie, then the server's one-byte states and length-prefixed JSON), the data connection with the same
/// cookie, a number of bytes sent, and the results exchanged, so the kernel's iperf3 server says what it received.
/// </summary>
internal static class Iperf3Client
{
    private const byte TestStart = 1, TestRunning = 2, TestEnd = 4, ParamExchange = 9, CreateStreams = 10, ExchangeResults = 13, DisplayResults = 14, IperfDone = 16;
    private const string CookieCharacters = "abcdefghijklmnopqrstuvwxyz234567";
    private const int BlockSize = 128 * 1024;

    /// <summary>Sends <paramref name="bytes"/> to the iperf3 server at <paramref name="server"/>:5201.</summary>
    /// <returns>What the server reports it received.</returns>
    public static async Task<long> SendAsync(TunnelNetwork network, IPAddress server, long bytes, CancellationToken cancellationToken)
    {
        var random = new Random();
        byte[] cookie = [.. Enumerable.Range(0, 36).Select(_ => (byte)CookieCharacters[random.Next(CookieCharacters.Length)]), 0];

        await using TunnelTcpStream control = await network.ConnectAsync(server, 5201, cancellationToken);
        await control.WriteAsync(cookie, cancellationToken);
        await ExpectAsync(control, ParamExchange, cancellationToken);
        await WriteJsonAsync(control, new JsonObject
        {
            ["tcp"] = true,
            ["omit"] = 0,
            ["time"] = 0,
            ["num"] = bytes,
            ["blockcount"] = 0,
            ["parallel"] = 1,
            ["len"] = BlockSize,
            ["pacing_timer"] = 1000,
            ["client_version"] = "3.12",
        }, cancellationToken);
        await ExpectAsync(control, CreateStreams, cancellationToken);

        await using TunnelTcpStream data = await network.ConnectAsync(server, 5201, cancellationToken);
        await data.WriteAsync(cookie, cancellationToken);
        await ExpectAsync(control, TestStart, cancellationToken);
        await ExpectAsync(control, TestRunning, cancellationToken);

        var block = new byte[BlockSize];
        for (long sent = 0; sent < bytes; sent += BlockSize)
        {
            await data.WriteAsync(block.AsMemory(0, (int)Math.Min(BlockSize, bytes - sent)), cancellationToken);
        }

        await control.WriteAsync(new[] { TestEnd }, cancellationToken);
        await ExpectAsync(control, ExchangeResults, cancellationToken);
        await WriteJsonAsync(control, new JsonObject
        {
            ["cpu_util_total"] = 0,
            ["cpu_util_user"] = 0,
            ["cpu_util_system"] = 0,
            ["sender_has_retransmits"] = 0,
            ["streams"] = new JsonArray(new JsonObject
            {
                ["id"] = 1,
                ["bytes"] = bytes,
                ["retransmits"] = -1,
                ["jitter"] = 0,
                ["errors"] = 0,
                ["packets"] = 0,
                ["start_time"] = 0,
                ["end_time"] = 1,
            }),
        }, cancellationToken);
        JsonNode results = await ReadJsonAsync(control, cancellationToken);
        await ExpectAsync(control, DisplayResults, cancellationToken);
        await control.WriteAsync(new[] { IperfDone }, cancellationToken);
        return results["streams"]![0]!["bytes"]!.GetValue<long>();
    }

    private static async Task ExpectAsync(TunnelTcpStream control, byte state, CancellationToken cancellationToken)
    {
        var received = new byte[1];
        await control.ReadExactlyAsync(received, cancellationToken);
        if (received[0] != state)
        {
            throw new InvalidDataException($"iperf3 sent state {(sbyte)received[0]}, not {state}.");
        }
    }

    private static async Task WriteJsonAsync(TunnelTcpStream control, JsonObject message, CancellationToken cancellationToken)
    {
        byte[] json = Encoding.UTF8.GetBytes(message.ToJsonString());
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, json.Length);
        await control.WriteAsync(length, cancellationToken);
        await control.WriteAsync(json, cancellationToken);
    }

    private static async Task<JsonNode> ReadJsonAsync(TunnelTcpStream control, CancellationToken cancellationToken)
    {
        var length = new byte[4];
        await control.ReadExactlyAsync(length, cancellationToken);
        var json = new byte[BinaryPrimitives.ReadInt32BigEndian(length)];
        await control.ReadExactlyAsync(json, cancellationToken);
        return JsonNode.Parse(json) ?? throw new InvalidDataException("iperf3 sent no results.");
    }
}
