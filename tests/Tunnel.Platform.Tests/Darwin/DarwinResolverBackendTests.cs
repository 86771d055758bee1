using System.Net;
using Tunnel.Connections;
using Tunnel.Platform.Darwin;
using Tunnel.Platform.Darwin.Internal;

namespace Tunnel.Platform.Tests.Darwin;

/// <summary>
/// The macOS resolver backend against a fake dynamic store and a temporary resolver directory: the primary
/// service's DNS overridden and put back, per-domain files written and removed, only ours, and a crashed
/// process's changes undone by the next.
/// </summary>
public sealed class DarwinResolverBackendTests : IDisposable
{
    private const string Service = "8A6D1F2E-0000-4000-8000-0000000000AA";
    private const string DnsKey = $"State:/Network/Service/{Service}/DNS";

    private readonly string _root = Directory.CreateTempSubdirectory("tunnel-resolver-").FullName;
    private readonly FakeScutil _scutil = new();

    public DarwinResolverBackendTests()
    {
        _scutil.Set("State:/Network/Global/IPv4", ("PrimaryInterface", ["en0"]), ("PrimaryService", [Service]), ("Router", ["192.168.1.1"]));
        _scutil.Set(DnsKey, ("DomainName", ["lan"]), ("SearchOrder", ["#1"]), ("ServerAddresses", ["*", "192.168.1.1", "1.1.1.1"]));
    }

    private DarwinResolverOptions Options => new()
    {
        InterfaceName = "utun4",
        ResolverDirectory = Path.Combine(_root, "resolver"),
        StatePath = Path.Combine(_root, "state", "resolver.state"),
        DomainServers = new Dictionary<string, IReadOnlyList<IPAddress>> { ["Corp.Example."] = [IPAddress.Parse("10.9.0.53")] },
    };

    [Fact]
    public void Apply_OverridesThePrimaryServicesDns_AndWritesTheDomainFiles_AndRestorePutsEverythingBack()
    {
        SortedDictionary<string, string[]> before = _scutil.Store[DnsKey];
        var backend = new DarwinResolverBackend(Options, _scutil);

        backend.Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.1"), IPAddress.Parse("fd00:9::1")], ["corp.example"]));

        Assert.True(backend.IsApplied);
        Assert.Equal(["*", "10.9.0.1", "fd00:9::1"], _scutil.Store[DnsKey]["ServerAddresses"]);
        Assert.Equal(["*", "corp.example"], _scutil.Store[DnsKey]["SearchDomains"]);
        string file = Path.Combine(_root, "resolver", "corp.example");
        Assert.Equal([backend.FileMarker, "nameserver 10.9.0.53"], File.ReadAllLines(file));

        backend.Restore();

        Assert.False(backend.IsApplied);
        Assert.Equal(before, _scutil.Store[DnsKey]); // numbers stay numbers ('#'), arrays arrays
        Assert.False(File.Exists(file));
        backend.Restore(); // twice is not an error
    }

    [Fact]
    public void AServiceWithoutDns_GetsItsEntryRemovedOnRestore()
    {
        _scutil.Store.Remove(DnsKey);
        var backend = new DarwinResolverBackend(Options with { DomainServers = new Dictionary<string, IReadOnlyList<IPAddress>>() }, _scutil);
        backend.Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.1")], []));
        Assert.True(_scutil.Store.ContainsKey(DnsKey));

        backend.Restore();

        Assert.False(_scutil.Store.ContainsKey(DnsKey));
    }

    [Fact]
    public void AProcessThatDiedConnected_IsUndoneByTheNext()
    {
        SortedDictionary<string, string[]> before = _scutil.Store[DnsKey];
        new DarwinResolverBackend(Options, _scutil).Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.1")], []));

        // A new process: nothing in memory, only the state file.
        var next = new DarwinResolverBackend(Options, _scutil);
        Assert.True(next.IsApplied);
        next.Restore();

        Assert.Equal(before, _scutil.Store[DnsKey]);
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "resolver")));
    }

    [Fact]
    public void ApplyingAgain_KeepsTheFirstSavedOriginal()
    {
        SortedDictionary<string, string[]> before = _scutil.Store[DnsKey];
        var backend = new DarwinResolverBackend(Options, _scutil);
        backend.Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.1")], []));
        backend.Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.2")], []));

        backend.Restore();

        Assert.Equal(before, _scutil.Store[DnsKey]);
    }

    [Fact]
    public void AResolverFileThatIsNotOurs_IsNeverOverwrittenOrRemoved()
    {
        string theirs = Path.Combine(_root, "resolver", "corp.example");
        Directory.CreateDirectory(Path.GetDirectoryName(theirs)!);
        File.WriteAllText(theirs, "nameserver 192.0.2.53\n");
        var backend = new DarwinResolverBackend(Options, _scutil);

        Assert.Throws<IOException>(() => backend.Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.1")], [])));

        Assert.Equal("nameserver 192.0.2.53\n", File.ReadAllText(theirs));
        Assert.False(backend.IsApplied);
        Assert.Equal(["*", "192.168.1.1", "1.1.1.1"], _scutil.Store[DnsKey]["ServerAddresses"]); // nothing half-applied
    }

    [Fact]
    public void NoPrimaryService_IsAClearError_AndChangesNothing()
    {
        _scutil.Store.Remove("State:/Network/Global/IPv4");
        var backend = new DarwinResolverBackend(Options, _scutil);

        IOException error = Assert.Throws<IOException>(() => backend.Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.1")], [])));

        Assert.Contains("primary network service", error.Message, StringComparison.Ordinal);
        Assert.False(backend.IsApplied);
    }

    [Fact]
    public void ACorruptStateFile_IsLeftInPlace_WithAClearError()
    {
        Directory.CreateDirectory(Path.Combine(_root, "state"));
        File.WriteAllText(Options.StatePath, "something else\n");
        var backend = new DarwinResolverBackend(Options, _scutil);

        Assert.Throws<InvalidDataException>(backend.Restore);
        Assert.True(File.Exists(Options.StatePath));
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("evil/name")]
    public void DomainsThatAreNotNames_AreRefusedBeforeAnythingChanges(string domain)
    {
        var backend = new DarwinResolverBackend(Options with { DomainServers = new Dictionary<string, IReadOnlyList<IPAddress>> { [domain] = [IPAddress.Loopback] } }, _scutil);
        Assert.Throws<ArgumentException>(() => backend.Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.1")], [])));
        Assert.False(backend.IsApplied);
    }

    [Fact]
    public void SearchDomainsThatWouldBreakOutOfAScutilWord_AreRefused()
    {
        var backend = new DarwinResolverBackend(Options, _scutil);
        Assert.Throws<ArgumentException>(() => backend.Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.1")], ["corp\nremove State:/Network/Global/IPv4"])));
        Assert.True(_scutil.Store.ContainsKey("State:/Network/Global/IPv4"));
        Assert.False(backend.IsApplied);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
