using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Tunnel.Dns;
using Tunnel.Routing;
using Tunnel.Testing;

namespace Tunnel.SplitTunnel.Tests.Drivers;

public sealed class DnsForwarderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The in-memory end to end: an include-only domain's answer makes its addresses route into the tunnel,
    /// and the client gets the answer only once the (deliberately slow) route table has them; an unmatched
    /// name adds nothing.
    /// </summary>
    [Fact]
    public async Task IncludeOnlyDomain_AnswerIsReleasedAfterItsRoutesAreInPlace()
    {
        await using var upstream = new TestDnsServer();
        upstream.Addresses["app.corp.test"] = [IPAddress.Parse("10.20.30.40"), IPAddress.Parse("10.20.30.41")];
        upstream.Addresses["www.other.test"] = [IPAddress.Parse("192.0.2.80")];
        var applier = new InMemoryRouteApplier { Delay = TimeSpan.FromMilliseconds(300) };
        await using var fixture = await Fixture.StartAsync(SplitTunnelMode.Include, ["*.corp.test"], applier, upstream.EndPoint);

        var answer = await fixture.QueryUdpAsync("app.corp.test");
        var routesWhenAnswered = applier.Routes;
        Assert.Equal(DnsResponseCode.NoError, Rcode(answer));
        Assert.Equal(["10.20.30.40", "10.20.30.41"], Addresses(answer));
        Assert.Equal(RouteDecision.Tunnel, routesWhenAnswered[IPNetwork.Parse("10.20.30.40/32")]);
        Assert.Equal(RouteDecision.Tunnel, routesWhenAnswered[IPNetwork.Parse("10.20.30.41/32")]);
        Assert.Equal(RouteDecision.Tunnel, fixture.Router.Decide(IPAddress.Parse("10.20.30.40").GetAddressBytes()));

        int changes = applier.History.Count;
        var other = await fixture.QueryUdpAsync("www.other.test");
        Assert.Equal(["192.0.2.80"], Addresses(other));
        Assert.Equal(changes, applier.History.Count);
        Assert.Equal(RouteDecision.Direct, fixture.Router.Decide(IPAddress.Parse("192.0.2.80").GetAddressBytes()));
        Assert.Equal(2, fixture.Forwarder.Statistics.RoutesLearned);
        Assert.Equal(2, fixture.Forwarder.Statistics.Forwarded);
    }

    [Fact]
    public async Task ACnameChainIntoARuleIsLearned_ForTheQueriedName()
    {
        await using var upstream = new TestDnsServer();
        upstream.Aliases["portal.example.test"] = "edge.corp.test";
        upstream.Addresses["edge.corp.test"] = [IPAddress.Parse("10.1.1.1")];
        var applier = new InMemoryRouteApplier();
        await using var fixture = await Fixture.StartAsync(SplitTunnelMode.Include, ["*.corp.test"], applier, upstream.EndPoint);

        Assert.Equal(["10.1.1.1"], Addresses(await fixture.QueryUdpAsync("portal.example.test")));
        Assert.True(applier.Contains(IPNetwork.Parse("10.1.1.1/32"), RouteDecision.Tunnel));
        Assert.Equal(["portal.example.test"], fixture.Router.Explain("10.1.1.1").LearnedFrom);
    }

    [Fact]
    public async Task PerDomainServersAnswerTheirSuffix_AndTheDefaultUpstreamTheRest()
    {
        await using var corporate = new TestDnsServer();
        await using var public_ = new TestDnsServer();
        corporate.Addresses["corp.test"] = [IPAddress.Parse("10.0.0.1")];
        corporate.Addresses["wiki.corp.test"] = [IPAddress.Parse("10.0.0.2")];
        public_.Addresses["wiki.corp.test"] = [IPAddress.Parse("198.51.100.2")];
        public_.Addresses["news.test"] = [IPAddress.Parse("198.51.100.3")];
        var applier = new InMemoryRouteApplier();
        await using var fixture = await Fixture.StartAsync(SplitTunnelMode.Exclude, [], applier, public_.EndPoint, new DnsFallbackDomain("Corp.Test.", [corporate.EndPoint], "corporate"));

        Assert.Equal(["10.0.0.1"], Addresses(await fixture.QueryUdpAsync("corp.test")));
        Assert.Equal(["10.0.0.2"], Addresses(await fixture.QueryUdpAsync("WIKI.corp.test")));
        Assert.Equal(["198.51.100.3"], Addresses(await fixture.QueryUdpAsync("news.test")));
        Assert.Equal(["corp.test", "wiki.corp.test"], corporate.Queries.Select(q => q.Name).Order());
        Assert.Equal(["news.test"], public_.Queries.Select(q => q.Name));
        Assert.Equal(2, fixture.Forwarder.Statistics.ForwardedToFallbackDomains);
        Assert.Equal("corp.test", fixture.Forwarder.FallbackDomains.Single().Suffix);

        // Live: the per-domain server goes away and the default answers the suffix.
        fixture.Forwarder.SetUpstreams([public_.EndPoint], []);
        Assert.Equal(["198.51.100.2"], Addresses(await fixture.QueryUdpAsync("wiki.corp.test")));
        Assert.Throws<ArgumentException>(() => fixture.Forwarder.SetUpstreams([public_.EndPoint], [new DnsFallbackDomain("bad name.test", [corporate.EndPoint])]));
        Assert.Empty(fixture.Forwarder.FallbackDomains);
    }

    [Fact]
    public async Task TheDohCanaryIsNxdomain_WithoutAskingUpstream()
    {
        await using var upstream = new TestDnsServer();
        await using var fixture = await Fixture.StartAsync(SplitTunnelMode.Exclude, [], new InMemoryRouteApplier(), upstream.EndPoint);
        var answer = await fixture.QueryUdpAsync("Use-Application-DNS.net");
        Assert.Equal(DnsResponseCode.NameError, Rcode(answer));
        Assert.Empty(upstream.Queries);
        Assert.Equal(1, fixture.Forwarder.Statistics.CanaryAnswers);

        var system = Assert.Single(fixture.Forwarder.GetSystemRules());
        Assert.Equal((IPNetwork.Parse("127.0.0.1/32"), RouteDecision.Direct), (system.Prefix, system.SystemDecision));
    }

    [Fact]
    public async Task ASilentUpstreamIsSkipped_AndNoUpstreamMeansServfail()
    {
        await using var dead = new TestDnsServer { Silent = true };
        await using var alive = new TestDnsServer();
        alive.Addresses["a.test"] = [IPAddress.Parse("192.0.2.1")];
        await using var fixture = await Fixture.StartAsync(SplitTunnelMode.Exclude, [], new InMemoryRouteApplier(), [dead.EndPoint, alive.EndPoint], [], TimeSpan.FromMilliseconds(300));

        Assert.Equal(["192.0.2.1"], Addresses(await fixture.QueryUdpAsync("a.test")));
        Assert.Equal(1, fixture.Forwarder.Statistics.UpstreamFailures);

        fixture.Forwarder.SetUpstreams([dead.EndPoint], []);
        Assert.Equal(DnsResponseCode.ServerFailure, Rcode(await fixture.QueryUdpAsync("a.test")));
        Assert.Equal(1, fixture.Forwarder.Statistics.ServerFailures);
    }

    [Fact]
    public async Task ATruncatedUdpAnswerIsNotLearned_AndTheTcpRetryIs()
    {
        await using var upstream = new TestDnsServer { MaxUdpRecords = 2 };
        upstream.Addresses["big.corp.test"] = [.. Enumerable.Range(1, 20).Select(i => IPAddress.Parse($"10.9.0.{i}"))];
        var applier = new InMemoryRouteApplier();
        await using var fixture = await Fixture.StartAsync(SplitTunnelMode.Include, ["*.corp.test"], applier, upstream.EndPoint);

        var udp = await fixture.QueryUdpAsync("big.corp.test");
        Assert.True(DnsMessage.TryParse(udp, out var truncated, out _) && truncated.IsTruncated);
        Assert.Single(applier.History);
        Assert.Equal(1, fixture.Router.Statistics.TruncatedResponses);

        var tcp = await fixture.QueryTcpAsync("big.corp.test", "big.corp.test");
        Assert.Equal(20, Addresses(tcp[0]).Length);
        Assert.Equal(20, Addresses(tcp[1]).Length);
        Assert.Equal(20, applier.Routes.Count(r => r.Key.BaseAddress.ToString().StartsWith("10.9.0.", StringComparison.Ordinal)));
        Assert.Contains(upstream.Queries, q => q.Transport == "tcp");
        Assert.Equal(2, fixture.Forwarder.Statistics.TcpQueries);
    }

    [Fact]
    public async Task MalformedQueriesAreDroppedAndCounted_AndTheForwarderKeepsAnswering()
    {
        await using var upstream = new TestDnsServer();
        upstream.Addresses["a.test"] = [IPAddress.Parse("192.0.2.1")];
        await using var fixture = await Fixture.StartAsync(SplitTunnelMode.Exclude, [], new InMemoryRouteApplier(), upstream.EndPoint);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await client.SendToAsync(new byte[] { 1, 2, 3 }, fixture.Forwarder.LocalEndPoint!);
        byte[] response = TestDnsServer.Query("a.test");
        response[2] |= 0x80;
        await client.SendToAsync(response, fixture.Forwarder.LocalEndPoint!);

        Assert.Equal(["192.0.2.1"], Addresses(await fixture.QueryUdpAsync("a.test")));
        Assert.Equal(2, fixture.Forwarder.Statistics.MalformedQueries);
        Assert.Equal(3, fixture.Forwarder.Statistics.UdpQueries);
    }

    private static DnsResponseCode Rcode(byte[] response)
    {
        Assert.True(DnsMessage.TryParse(response, out var message, out var error), error.ToString());
        return message.ResponseCode;
    }

    private static string[] Addresses(byte[] response)
    {
        Assert.True(DnsMessage.TryParse(response, out var message, out var error), error.ToString());
        var addresses = new List<string>();
        Span<byte> bytes = stackalloc byte[16];
        foreach (var record in message.Answers)
        {
            if (record.TryGetAddress(bytes, out int written))
            {
                addresses.Add(new IPAddress(bytes[..written]).ToString());
            }
        }

        return [.. addresses];
    }

    /// <summary>A router, its controller over a given applier, and a forwarder on a free loopback port.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        private Fixture(SplitTunnelController controller, DnsForwarder forwarder)
        {
            Controller = controller;
            Forwarder = forwarder;
        }

        public SplitTunnelController Controller { get; }

        public SplitTunnelRouter Router => Controller.Router;

        public DnsForwarder Forwarder { get; }

        public static Task<Fixture> StartAsync(SplitTunnelMode mode, string[] entries, InMemoryRouteApplier applier, IPEndPoint upstream, params DnsFallbackDomain[] fallback) =>
            StartAsync(mode, entries, applier, [upstream], fallback, TimeSpan.FromSeconds(2));

        public static async Task<Fixture> StartAsync(SplitTunnelMode mode, string[] entries, InMemoryRouteApplier applier, IPEndPoint[] upstreams, DnsFallbackDomain[] fallback, TimeSpan queryTimeout)
        {
            var policy = new SplitTunnelPolicy(mode, SplitTunnelRule.LinkLocalAndMulticast.Concat(entries.Select(e => SplitTunnelRule.Parse(e))));
            var controller = new SplitTunnelController(new SplitTunnelRouter(policy), applier);
            await controller.StartAsync();
            var options = new DnsForwarderOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), QueryTimeout = queryTimeout };
            foreach (var server in upstreams)
            {
                options.Upstreams.Add(server);
            }

            foreach (var domain in fallback)
            {
                options.FallbackDomains.Add(domain);
            }

            var forwarder = new DnsForwarder(options, controller);
            await forwarder.StartAsync();
            return new Fixture(controller, forwarder);
        }

        public async Task<byte[]> QueryUdpAsync(string name)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            using var timeout = new CancellationTokenSource(Timeout);
            await client.ConnectAsync(Forwarder.LocalEndPoint!, timeout.Token);
            await client.SendAsync(TestDnsServer.Query(name), SocketFlags.None, timeout.Token);
            byte[] buffer = new byte[65535];
            int length = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return buffer[..length];
        }

        /// <summary>Several queries pipelined on one TCP connection, answered in order.</summary>
        public async Task<byte[][]> QueryTcpAsync(params string[] names)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var timeout = new CancellationTokenSource(Timeout);
            await client.ConnectAsync(Forwarder.LocalEndPoint!, timeout.Token);
            foreach (string name in names)
            {
                byte[] query = TestDnsServer.Query(name);
                byte[] framed = new byte[query.Length + 2];
                BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
                query.CopyTo(framed, 2);
                await client.SendAsync(framed, SocketFlags.None, timeout.Token);
            }

            var answers = new byte[names.Length][];
            for (int i = 0; i < names.Length; i++)
            {
                byte[] prefix = new byte[2];
                await client.ReceiveAsync(prefix, SocketFlags.None, timeout.Token);
                byte[] answer = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                int read = 0;
                while (read < answer.Length)
                {
                    read += await client.ReceiveAsync(answer.AsMemory(read), SocketFlags.None, timeout.Token);
                }

                answers[i] = answer;
            }

            return answers;
        }

        public async ValueTask DisposeAsync()
        {
            await Forwarder.DisposeAsync();
            await Controller.DisposeAsync();
        }
    }
}
