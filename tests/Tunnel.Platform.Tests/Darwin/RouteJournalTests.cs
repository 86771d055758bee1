using System.Net;
using Tunnel.Connections;
using Tunnel.Platform.Darwin.Internal;
using Tunnel.Platform.Internal;
using Tunnel.Platform.Tests.Windows;
using Tunnel.Platform.Windows.Internal;
using static Tunnel.Platform.Interop.Darwin.Interop;

namespace Tunnel.Platform.Tests.Darwin;

/// <summary>
/// The routes a tunnel adds outside its interface on macOS and Windows (endpoint bypasses, direct and refusing routes)
/// outlive a crash: they are recorded before they exist, and the next process removes them, and only them.
/// </summary>
public sealed class RouteJournalTests : IDisposable
{
    private static readonly IPAddress Router = IPAddress.Parse("192.168.1.1");
    private readonly string _directory = Directory.CreateTempSubdirectory("tunnel-routes-").FullName;

    [Fact]
    public void AnEndpointsRoute_IsRecordedBeforeItExists_AndForgottenOnceRemoved()
    {
        var network = new RecordingNetwork(this);
        network.Routes.Add(new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0));
        var plan = new SingleTablePlan<DarwinRoute>(new DarwinInterfaceRoutes(network, "utun4"), Journal("utun4", "connection"));

        plan.Apply(FullTunnel());

        Assert.Contains("198.51.100.7/32 192.168.1.1 0 32768", network.JournalWhenAdded[IPNetwork.Parse("198.51.100.7/32")]);
        Assert.Contains("0.0.0.0/1 127.0.0.1 0 36864", network.JournalWhenAdded[IPNetwork.Parse("0.0.0.0/1")]); // the blackhole behind the tunnel outlives it
        Assert.DoesNotContain(network.JournalWhenAdded[IPNetwork.Parse("0.0.0.0/2")], line => line.StartsWith("0.0.0.0/2", StringComparison.Ordinal)); // through the utun: goes with it
        Assert.Equal(3, File.ReadAllLines(JournalPath("utun4", "connection")).Length); // the endpoint's route and the two blackholes

        plan.Undo();
        Assert.False(File.Exists(JournalPath("utun4", "connection")));
    }

    [Fact]
    public void AfterACrash_TheNextProcessRemovesWhatTheDeadOneLeftOutsideItsInterface_AndNothingElse()
    {
        var network = new FakeDarwinNetwork();
        var theirs = new DarwinRoute(IPNetwork.Parse("203.0.113.9/32"), Router, 0, 0); // another program's host route
        network.Routes.Add(new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0));
        network.Routes.Add(theirs);
        var set = new SingleTableRouteSet<DarwinRoute>(new DarwinInterfaceRoutes(network, "utun4"), Journal("utun4", "split")); // made before routes of ours exist
        new SingleTablePlan<DarwinRoute>(new DarwinInterfaceRoutes(network, "utun4"), Journal("utun4", "connection")).Apply(FullTunnel());
        set.Add(IPNetwork.Parse("192.0.2.0/24"), InterfaceRouteKind.Direct);
        set.Add(IPNetwork.Parse("10.1.0.0/16"), InterfaceRouteKind.Tunnel);
        Assert.Equal(1, set.BlockAndRelease()); // the engine died: 10.1/16 now refused, and let go

        // The process dies; its utun4 and the routes through it go with it.
        network.Interfaces.Remove("utun4");
        network.Routes.RemoveAll(route => route.InterfaceIndex == 12);

        // A live tunnel's journal beside it stays untouched.
        int removed = RouteJournal<DarwinRoute>.RemoveStale(_directory, DarwinRouteCodec.Instance, network.Interfaces.ContainsKey, network.DeleteRoute);

        Assert.Equal(5, removed); // the endpoint's route and the full tunnel's two blackholes, the direct entry, the blackhole behind 10.1/16
        Assert.Equal([new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0), theirs], network.Routes);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void ALiveTunnelsRecords_AreLeftAlone_ButAReusedNamesAreADeadOnes()
    {
        var network = new FakeDarwinNetwork();
        network.Routes.Add(new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0));
        new SingleTablePlan<DarwinRoute>(new DarwinInterfaceRoutes(network, "utun4"), Journal("utun4", "connection")).Apply(FullTunnel());

        Assert.Equal(0, RouteJournal<DarwinRoute>.RemoveStale(_directory, DarwinRouteCodec.Instance, network.Interfaces.ContainsKey, network.DeleteRoute));
        Assert.True(File.Exists(JournalPath("utun4", "connection")));

        // A new process that has just made utun4 knows any record for it is a predecessor's.
        Assert.Equal(3, RouteJournal<DarwinRoute>.RemoveStale(_directory, DarwinRouteCodec.Instance, network.Interfaces.ContainsKey, network.DeleteRoute, current: "utun4"));
        Assert.DoesNotContain(network.Routes, route => route.Destination == IPNetwork.Parse("198.51.100.7/32"));
    }

    [Fact]
    public void ARouteTheSystemRefused_IsNotRecorded_SoAnotherProgramsRouteIsNeverRemoved()
    {
        var network = new FakeDarwinNetwork();
        network.Routes.Add(new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0));
        var theirs = new DarwinRoute(IPNetwork.Parse("192.0.2.0/24"), IPAddress.Parse("10.99.0.1"), 0, 0);
        network.Routes.Add(theirs);
        var set = new SingleTableRouteSet<DarwinRoute>(new DarwinInterfaceRoutes(network, "utun4"), Journal("utun4", "split"));

        Assert.Throws<IOException>(() => set.Add(IPNetwork.Parse("192.0.2.0/24"), InterfaceRouteKind.Direct));

        Assert.False(File.Exists(JournalPath("utun4", "split")));
        network.Interfaces.Remove("utun4");
        Assert.Equal(0, RouteJournal<DarwinRoute>.RemoveStale(_directory, DarwinRouteCodec.Instance, network.Interfaces.ContainsKey, network.DeleteRoute));
        Assert.Contains(theirs, network.Routes);
    }

    [Fact]
    public void OnWindows_TheEndpointsRouteOnThePhysicalAdapter_IsRemovedAfterACrash()
    {
        const ulong Tunnel = 7, Ethernet = 9;
        var network = new FakeWindowsNetwork();
        network.Routes.Add(new WindowsRoute(IPNetwork.Parse("0.0.0.0/0"), Ethernet, Router, 25));
        var journal = new RouteJournal<WindowsRoute>(RouteJournal<WindowsRoute>.PathFor(_directory, "wg0", "connection"), WindowsRouteCodec.Instance);
        new SingleTablePlan<WindowsRoute>(new WindowsInterfaceRoutes(network, "wg0", Tunnel), journal).Apply(FullTunnel());

        network.Routes.RemoveAll(route => route.InterfaceLuid == Tunnel); // the adapter went with the process
        Assert.Equal(1, RouteJournal<WindowsRoute>.RemoveStale(_directory, WindowsRouteCodec.Instance, _ => false, network.DeleteRoute));

        Assert.Equal([new WindowsRoute(IPNetwork.Parse("0.0.0.0/0"), Ethernet, Router, 25)], network.Routes);
    }

    [Fact]
    public void Codecs_ReadBackWhatTheyWrite_AndSkipWhatIsNotARoute()
    {
        DarwinRoute[] darwin = [new(IPNetwork.Parse("10.0.0.0/8"), null, 12, RouteFlags.Proto1), new(IPNetwork.Parse("2001:db8::7/128"), IPAddress.IPv6Loopback, 0, RouteFlags.Proto1 | RouteFlags.Blackhole)];
        foreach (DarwinRoute route in darwin)
        {
            Assert.True(DarwinRouteCodec.Instance.TryParse(DarwinRouteCodec.Instance.Format(route), out DarwinRoute read));
            Assert.Equal(route, read);
        }

        WindowsRoute[] windows = [new(IPNetwork.Parse("0.0.0.0/1"), 0x0600000000010000, null, 0), new(IPNetwork.Parse("198.51.100.7/32"), 9, Router, 25)];
        foreach (WindowsRoute route in windows)
        {
            Assert.True(WindowsRouteCodec.Instance.TryParse(WindowsRouteCodec.Instance.Format(route), out WindowsRoute read));
            Assert.Equal(route, read);
        }

        foreach (string line in (string[])["", "garbage", "10.0.0.0/8 x 12 0", "10.0.0.1/8 - 12 0", "10.0.0.0/8 - 70000 0"])
        {
            Assert.False(DarwinRouteCodec.Instance.TryParse(line, out _), line);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static TunnelInterfaceSettings FullTunnel() => new()
    {
        Routes = [new TunnelRoute(IPNetwork.Parse("0.0.0.0/0"), 51820)],
        PeerEndpoints = [IPAddress.Parse("198.51.100.7")],
    };

    private string JournalPath(string interfaceName, string purpose) => RouteJournal<DarwinRoute>.PathFor(_directory, interfaceName, purpose);

    private RouteJournal<DarwinRoute> Journal(string interfaceName, string purpose) => new(JournalPath(interfaceName, purpose), DarwinRouteCodec.Instance);

    /// <summary>Notes the journal's lines at the moment each route is added: the record must come first.</summary>
    private sealed class RecordingNetwork(RouteJournalTests test) : IDarwinNetwork
    {
        private readonly FakeDarwinNetwork _inner = new();

        public List<DarwinRoute> Routes => _inner.Routes;

        public Dictionary<IPNetwork, string[]> JournalWhenAdded { get; } = [];

        public uint InterfaceIndex(string interfaceName) => _inner.InterfaceIndex(interfaceName);

        public void AddAddress(string interfaceName, Tunnel.Configuration.InterfaceAddress address) => _inner.AddAddress(interfaceName, address);

        public bool RemoveAddress(string interfaceName, Tunnel.Configuration.InterfaceAddress address) => _inner.RemoveAddress(interfaceName, address);

        public void AddRoute(DarwinRoute route)
        {
            string path = test.JournalPath("utun4", "connection");
            JournalWhenAdded[route.Destination] = File.Exists(path) ? File.ReadAllLines(path) : [];
            _inner.AddRoute(route);
        }

        public bool DeleteRoute(DarwinRoute route) => _inner.DeleteRoute(route);

        public DarwinRoute? GetRoute(IPAddress destination) => _inner.GetRoute(destination);
    }
}
