using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Tunnel.Connections;
using Tunnel.Platform.Linux;
using Tunnel.Platform.Linux.Internal;

namespace Tunnel.Platform.Tests.Linux;

/// <summary>
/// The systemd-resolved configurator against a stand-in for systemd-resolved on a private bus: the calls and
/// their arguments, the state file around them, crash recovery, and D-Bus errors. The link is the loopback
/// interface, which every network namespace has.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SystemdResolvedConfiguratorTests : IAsyncLifetime
{
    private const string AccessDenied = "org.freedesktop.DBus.Error.AccessDenied";
    private static readonly SystemResolverSettings Forwarder = new([IPAddress.Parse("10.64.0.1"), IPAddress.Parse("fd00::53")], ["corp.example.com", "Lab.Example.COM."]);

    private readonly string _directory = Directory.CreateTempSubdirectory("tunnel-resolved-").FullName;
    private PrivateBus? _bus;
    private FakeResolved? _resolved;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static int Loopback => ResolvedLinkState.IndexOf("lo") ?? throw new InvalidOperationException("No loopback interface.");

    private FakeResolved Resolved => _resolved!;

    private SystemdResolvedOptions Options => new() { InterfaceName = "lo", StatePath = Path.Combine(_directory, "state", "resolved.link"), BusAddress = _bus!.Address };

    public async ValueTask InitializeAsync()
    {
        _bus = await PrivateBus.StartAsync(TestContext.Current.CancellationToken);
        _resolved = await FakeResolved.StartAsync(_bus.Address);
    }

    public ValueTask DisposeAsync()
    {
        _resolved?.Dispose();
        _bus?.Dispose();
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Apply_SetsTheServersTheRootRoutingDomainTheSearchDomainsAndTheDefaultRoute_OnTheLink()
    {
        var resolver = new SystemdResolvedConfigurator(Options);
        Assert.False(resolver.IsApplied);

        await resolver.ApplyAsync(Forwarder, Token);

        int lo = Loopback;
        Assert.Equal(
            [
                new ResolvedCall("SetLinkDNS", lo, ["2:0a400001", "10:fd000000000000000000000000000053"]),
                new ResolvedCall("SetLinkDomains", lo, ["~.", "corp.example.com", "lab.example.com"]),
                new ResolvedCall("SetLinkDefaultRoute", lo, ["true"]),
            ],
            Resolved.Calls,
            CallComparer.Instance);
        Assert.True(resolver.IsApplied);
        Assert.Equal(new ResolvedLinkState("lo", lo, ResolvedLinkState.CurrentBootId()), ResolvedLinkState.Read(Options.StatePath));
    }

    [Fact]
    public async Task Restore_RevertsTheSameLink_AndForgetsIt_AndTwiceIsFine()
    {
        var resolver = new SystemdResolvedConfigurator(Options);
        await resolver.ApplyAsync(new SystemResolverSettings([IPAddress.Parse("::ffff:10.64.0.1")], []), Token);
        Assert.Equal(["2:0a400001"], Resolved.Calls[0].Arguments); // an IPv4-mapped address goes as IPv4
        Assert.Equal(["~."], Resolved.Calls[1].Arguments);

        await resolver.RestoreAsync(Token);
        await resolver.RestoreAsync(Token);

        Assert.Equal(new ResolvedCall("RevertLink", Loopback, []), Resolved.Calls[^1], CallComparer.Instance);
        Assert.Single(Resolved.Calls, call => call.Method == "RevertLink");
        Assert.False(resolver.IsApplied);
        Assert.False(File.Exists(Options.StatePath));
    }

    [Fact]
    public async Task ANewProcess_FindingTheStateOfACrashedOne_RevertsTheRecordedLink()
    {
        await new SystemdResolvedConfigurator(Options).ApplyAsync(Forwarder, Token);

        // The crashed run's object is gone; the next process has only the file.
        var next = new SystemdResolvedConfigurator(Options);
        Assert.True(next.IsApplied);
        await next.RestoreAsync(Token);

        Assert.Equal(new ResolvedCall("RevertLink", Loopback, []), Resolved.Calls[^1], CallComparer.Instance);
        Assert.False(next.IsApplied);
    }

    [Fact]
    public async Task ALinkThatDiedWithTheCrashedProcess_IsNotAnError()
    {
        new ResolvedLinkState("lo", Loopback, ResolvedLinkState.CurrentBootId()).Write(Options.StatePath);
        Resolved.Fail("RevertLink", "org.freedesktop.resolve1.NoSuchLink", "Link 1 not known");
        var resolver = new SystemdResolvedConfigurator(Options);

        await resolver.RestoreAsync(Token);

        Assert.Equal("RevertLink", Assert.Single(Resolved.Calls).Method);
        Assert.False(resolver.IsApplied);
    }

    [Theory]
    [InlineData("another boot")]
    [InlineData("another interface")]
    public async Task AStateFileWhoseLinkCannotStillExist_IsForgotten_WithoutTouchingWhatNowHasItsIndex(string why)
    {
        // After a reboot, or once the index names another interface, RevertLink would wipe someone else's link.
        var state = why == "another boot"
            ? new ResolvedLinkState("lo", Loopback, "00000000-0000-0000-0000-000000000000")
            : new ResolvedLinkState("tunnel-gone0", Loopback, ResolvedLinkState.CurrentBootId());
        state.Write(Options.StatePath);
        var resolver = new SystemdResolvedConfigurator(Options);
        Assert.True(resolver.IsApplied);

        await resolver.RestoreAsync(Token);

        Assert.Empty(Resolved.Calls);
        Assert.False(resolver.IsApplied);
    }

    [Fact]
    public async Task ARefusedApply_NamesTheMethodAndTheError_AndClaimsNothing()
    {
        Resolved.Fail("SetLinkDNS", AccessDenied, "Access denied");
        var resolver = new SystemdResolvedConfigurator(Options);

        var error = await Assert.ThrowsAsync<SystemdResolvedException>(async () => await resolver.ApplyAsync(Forwarder, Token));

        Assert.Equal("SetLinkDNS", error.Method);
        Assert.Equal(AccessDenied, error.ErrorName);
        Assert.Contains($"SetLinkDNS for link lo (index {Loopback}): {AccessDenied}: Access denied", error.Message, StringComparison.Ordinal);
        Assert.Equal(["SetLinkDNS"], Resolved.Calls.Select(call => call.Method)); // nothing was set, so nothing to revert
        Assert.False(resolver.IsApplied);
    }

    [Fact]
    public async Task AnApplyRefusedHalfway_RevertsWhatWasSet_AndClaimsNothing()
    {
        Resolved.Fail("SetLinkDomains", AccessDenied, "Access denied");
        var resolver = new SystemdResolvedConfigurator(Options);

        var error = await Assert.ThrowsAsync<SystemdResolvedException>(async () => await resolver.ApplyAsync(Forwarder, Token));

        Assert.Equal("SetLinkDomains", error.Method);
        Assert.Equal(["SetLinkDNS", "SetLinkDomains", "RevertLink"], Resolved.Calls.Select(call => call.Method));
        Assert.False(resolver.IsApplied);
    }

    [Fact]
    public async Task AnApplyWhoseRevertFailsToo_KeepsTheState_ForRestoreToTryAgain()
    {
        Resolved.Fail("SetLinkDefaultRoute", AccessDenied, "Access denied");
        Resolved.Fail("RevertLink", AccessDenied, "Access denied");
        var resolver = new SystemdResolvedConfigurator(Options);

        await Assert.ThrowsAsync<SystemdResolvedException>(async () => await resolver.ApplyAsync(Forwarder, Token));
        Assert.True(resolver.IsApplied); // the servers may still be set

        var error = await Assert.ThrowsAsync<SystemdResolvedException>(async () => await resolver.RestoreAsync(Token));
        Assert.Equal("RevertLink", error.Method);
        Assert.True(resolver.IsApplied);
    }

    [Fact]
    public async Task NoResolvedOnTheBus_IsServiceUnknown_AndClaimsNothing()
    {
        Resolved.Dispose();
        var resolver = new SystemdResolvedConfigurator(Options);

        var error = await Assert.ThrowsAsync<SystemdResolvedException>(async () => await resolver.ApplyAsync(Forwarder, Token));

        Assert.Equal("org.freedesktop.DBus.Error.ServiceUnknown", error.ErrorName);
        Assert.False(resolver.IsApplied);
    }

    [Fact]
    public async Task NoBus_IsAClearError_AndClaimsNothing()
    {
        string address = $"unix:path={Path.Combine(_directory, "no-bus")}";
        var resolver = new SystemdResolvedConfigurator(Options with { BusAddress = address });

        var error = await Assert.ThrowsAsync<SystemdResolvedException>(async () => await resolver.ApplyAsync(Forwarder, Token));

        Assert.Null(error.ErrorName);
        Assert.Contains(address, error.Message, StringComparison.Ordinal);
        Assert.False(resolver.IsApplied);
    }

    [Fact]
    public async Task BadSettingsOrAMissingInterface_AreRefusedBeforeAnythingIsSent()
    {
        var resolver = new SystemdResolvedConfigurator(Options);
        await Assert.ThrowsAsync<ArgumentException>(async () => await resolver.ApplyAsync(new SystemResolverSettings([], []), Token));
        await Assert.ThrowsAsync<ArgumentException>(async () => await resolver.ApplyAsync(Forwarder with { SearchDomains = ["*.corp.example.com"] }, Token));
        var missing = new SystemdResolvedConfigurator(Options with { InterfaceName = "tunnel-none0" });
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await missing.ApplyAsync(Forwarder, Token));

        Assert.Empty(Resolved.Calls);
        Assert.False(resolver.IsApplied);
    }

    [Fact]
    public void IsAvailable_WhenResolvedsSocketOrStubIsThere()
    {
        string root = Path.Combine(_directory, "root");
        string run = Path.Combine(root, "run", "systemd", "resolve");
        Directory.CreateDirectory(run);
        Assert.False(SystemdResolvedConfigurator.IsAvailable(root));

        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(run, "io.systemd.Resolve")));
            Assert.True(SystemdResolvedConfigurator.IsAvailable(root));
        }

        File.Delete(Path.Combine(run, "io.systemd.Resolve"));
        Assert.False(SystemdResolvedConfigurator.IsAvailable(root));
        File.WriteAllText(Path.Combine(run, "stub-resolv.conf"), "nameserver 127.0.0.53\n");
        Assert.True(SystemdResolvedConfigurator.IsAvailable(root));
    }

    /// <summary>Calls compared by value, arguments included.</summary>
    private sealed class CallComparer : IEqualityComparer<ResolvedCall>
    {
        public static readonly CallComparer Instance = new();

        public bool Equals(ResolvedCall? x, ResolvedCall? y) =>
            x is not null && y is not null && x.Method == y.Method && x.InterfaceIndex == y.InterfaceIndex && x.Arguments.SequenceEqual(y.Arguments);

        public int GetHashCode(ResolvedCall obj) => HashCode.Combine(obj.Method, obj.InterfaceIndex);
    }
}
