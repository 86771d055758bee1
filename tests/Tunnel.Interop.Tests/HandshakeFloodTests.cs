using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>
/// A flood of handshake initiations with valid MAC1s against our daemon while it carries traffic for a
/// connected peer (wireguard-go): the cookie defence engages within a second whatever the receive batch size,
/// the data path keeps flowing, memory stays flat, and the drops are counted by reason.
/// </summary>
public sealed partial class HandshakeFloodTests
{
    private const int FloodRate = 25_000;

    [Theory]
    [InlineData("")] // batched receives with GRO
    [InlineData("mmsg")] // one datagram per receive
    [InlineData("all")] // every fast path off
    public void AFloodOfInitiations_DrawsCookies_AndTheTunnelKeepsFlowing(string disabled)
    {
        using var lab = new Lab();
        var environment = disabled.Length > 0 ? new Dictionary<string, string> { ["TUNNEL_DISABLE"] = disabled } : null;
        Peer ours = lab.Start(2, Implementation.Tunnel, environment: environment);
        Peer other = lab.Start(1, Implementation.WireGuardGo);
        Lab.Connect(other, ours);
        Assert.True(lab.Ping(1, "10.200.0.2", 2), "no ping through the tunnel before the flood");

        using var flood = new HandshakeFlood(lab.Namespace(1), new IPEndPoint(IPAddress.Parse("192.0.2.2"), 51820), ours.PublicKey, FloodRate, TimeSpan.FromSeconds(10));
        flood.Start();
        Thread.Sleep(1500);
        long memoryEarly = ours.ResidentBytes;
        var ping = lab.TryExec(1, "ping", "-q", "-c", "150", "-i", "0.05", "-W", "1", "10.200.0.2");
        long memoryLate = ours.ResidentBytes;
        flood.Wait();

        double rate = flood.Initiations / flood.Elapsed.TotalSeconds;
        Assert.True(rate >= 20_000, $"the flood sent only {rate:F0} initiations per second");
        Assert.True(flood.FirstCookieAfter is { } first && first < TimeSpan.FromSeconds(1), $"the first cookie reply came after {flood.FirstCookieAfter?.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) ?? "never"} ms ({flood.CookieReplies} in all)");

        Match loss = LossPattern().Match(ping.Output);
        Assert.True(loss.Success, $"ping printed no loss line: {ping.Output}");
        double lost = double.Parse(loss.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(lost < 5, $"{lost}% of the pings through the tunnel were lost during the flood");

        long growth = memoryLate - memoryEarly;
        Assert.True(growth < 8 << 20, $"the daemon's memory grew by {growth >> 10} KiB during the flood ({memoryEarly >> 10} -> {memoryLate >> 10} KiB)");

        // The flood did not harm the session, and the daemon counted what it refused, by reason.
        Assert.True(lab.Ping(1, "10.200.0.2", 2), "no ping through the tunnel after the flood");
        string log = ours.StopAndReadLog();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(disabled.Length == 0 ? "defaults" : disabled + " off")}: {rate:F0} initiations/s, first cookie after {flood.FirstCookieAfter?.TotalMilliseconds:F0} ms, {flood.CookieReplies} cookie replies, ping loss {lost}%, memory {memoryEarly >> 10} -> {memoryLate >> 10} KiB; {log[(log.IndexOf("Drops:", StringComparison.Ordinal))..].Trim()}"));
        Assert.True(DropCount(log, "InvalidMac2") >= flood.CookieReplies, $"the exit summary does not count the cookie replies ({flood.CookieReplies}) as InvalidMac2 drops: {log}");
        Assert.True(DropCount(log, "UnknownReceiver") > 0, $"the forged transport messages and cookie replies were not counted: {log}");
    }

    private static long DropCount(string log, string reason)
    {
        Match match = Regex.Match(log, $@"Drops: .*\b{reason} (\d+)");
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"([\d.]+)% packet loss")]
    private static partial Regex LossPattern();
}
