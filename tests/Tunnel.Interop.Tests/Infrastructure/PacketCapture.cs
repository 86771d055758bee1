using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Tunnel.Interop.Tests.Infrastructure;

/// <summary>
/// tcpdump on one interface of a namespace, for a filter: what crossed that link while it ran. It is started
/// before anything it must see (it waits until tcpdump says it is listening) and counts with tcpdump's own
/// closing report, so a packet the kernel saw is counted even if no line was printed for it.
/// </summary>
internal sealed partial class PacketCapture : IDisposable
{
    private readonly NamespaceProcess _process;

    public PacketCapture(string ns, string interfaceName, string filter)
    {
        _process = new NamespaceProcess(ns, "tcpdump", ["-i", interfaceName, "-nn", "-l", "-p", filter]);
        var deadline = Stopwatch.StartNew();
        while (!_process.Log.Contains("listening on", StringComparison.Ordinal))
        {
            Assert.False(_process.HasExited, $"tcpdump exited: {_process.Log}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"tcpdump did not start in 10 s: {_process.Log}");
            Thread.Sleep(20);
        }
    }

    /// <summary>What tcpdump printed: one line per packet, then its report.</summary>
    public string Log => _process.Log;

    /// <summary>Stops the capture and returns how many packets matched the filter.</summary>
    public int Stop()
    {
        // A moment for packets still on their way through the link to be read.
        Thread.Sleep(200);
        _process.Stop(TimeSpan.FromSeconds(5));
        var match = CapturedLine().Match(_process.Log);
        Assert.True(match.Success, $"tcpdump gave no report: {_process.Log}");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    public void Dispose() => _process.Dispose();

    [GeneratedRegex(@"(\d+) packets? captured")]
    private static partial Regex CapturedLine();
}
