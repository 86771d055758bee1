using System.Net;
using System.Runtime.Versioning;
using System.Text;
using Tunnel.Connections;
using Tunnel.Platform.Linux;

namespace Tunnel.Platform.Tests.Linux;

/// <summary>The resolv.conf configurator on files of a temporary directory: what it writes, and that every original comes back byte for byte.</summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxResolvConfConfiguratorTests : IDisposable
{
    private const string Original = "# from DHCP\nnameserver 192.0.2.53\nsearch lan\noptions edns0\n";
    private static readonly SystemResolverSettings Forwarder = new([IPAddress.Parse("127.0.0.53"), IPAddress.Parse("::1")], ["corp.example.com", "Lab.Example.COM."]);

    private readonly string _directory = Directory.CreateTempSubdirectory("tunnel-resolv-").FullName;

    private LinuxResolvConfOptions Options => new() { Path = Path.Combine(_directory, "resolv.conf"), StatePath = Path.Combine(_directory, "state", "resolv.conf.saved") };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task AFile_IsReplacedWhileApplied_AndComesBackByteForByte()
    {
        var options = Options;
        await File.WriteAllTextAsync(options.Path, Original, Token);
        var resolver = new LinuxResolvConfConfigurator(options);
        Assert.False(resolver.IsApplied);

        await resolver.ApplyAsync(Forwarder, Token);
        Assert.True(resolver.IsApplied);
        string written = await File.ReadAllTextAsync(options.Path, Token);
        Assert.Contains("nameserver 127.0.0.53\nnameserver ::1\nsearch corp.example.com lab.example.com\n", written, StringComparison.Ordinal);
        Assert.DoesNotContain("192.0.2.53", written, StringComparison.Ordinal);

        // A second change keeps the first original, not the agent's own file.
        await resolver.ApplyAsync(new SystemResolverSettings([IPAddress.Parse("127.0.0.54")], []), Token);
        Assert.Contains("nameserver 127.0.0.54", await File.ReadAllTextAsync(options.Path, Token), StringComparison.Ordinal);

        await resolver.RestoreAsync(Token);
        Assert.Equal(Original, await File.ReadAllTextAsync(options.Path, Token));
        Assert.False(resolver.IsApplied);
        Assert.False(File.Exists(options.StatePath));
        await resolver.RestoreAsync(Token);
        Assert.Equal(Original, await File.ReadAllTextAsync(options.Path, Token));
    }

    [Fact]
    public async Task ASymbolicLink_IsReplacedAsALink_AndItsTargetIsNeverTouched()
    {
        var options = Options;
        string stub = Path.Combine(_directory, "stub-resolv.conf");
        await File.WriteAllTextAsync(stub, "nameserver 127.0.0.53\n", Token);
        File.CreateSymbolicLink(options.Path, stub);
        var resolver = new LinuxResolvConfConfigurator(options);

        await resolver.ApplyAsync(Forwarder, Token);
        Assert.Null(new FileInfo(options.Path).LinkTarget);
        Assert.Equal("nameserver 127.0.0.53\n", await File.ReadAllTextAsync(stub, Token));

        await resolver.RestoreAsync(Token);
        Assert.Equal(stub, new FileInfo(options.Path).LinkTarget);
        Assert.Equal("nameserver 127.0.0.53\n", await File.ReadAllTextAsync(stub, Token));
    }

    [Fact]
    public async Task NoFile_IsCreated_AndRemovedAgain()
    {
        var options = Options;
        var resolver = new LinuxResolvConfConfigurator(options);
        await resolver.ApplyAsync(Forwarder, Token);
        Assert.True(File.Exists(options.Path));
        await resolver.RestoreAsync(Token);
        Assert.False(File.Exists(options.Path));
    }

    [Fact]
    public async Task AfterACrash_TheNextProcessFindsTheSavedOriginal_AndRestoresIt()
    {
        var options = Options;
        await File.WriteAllTextAsync(options.Path, Original, Token);
        await new LinuxResolvConfConfigurator(options).ApplyAsync(Forwarder, Token);

        // A new process: nothing in memory, only what is on disk.
        var next = new LinuxResolvConfConfigurator(options);
        Assert.True(next.IsApplied);
        await next.RestoreAsync(Token);
        Assert.Equal(Original, await File.ReadAllTextAsync(options.Path, Token));
    }

    [Fact]
    public async Task BadSettings_ChangeNothing_AndABadStateIsLeftForAnOperator()
    {
        var options = Options;
        await File.WriteAllTextAsync(options.Path, Original, Token);
        var resolver = new LinuxResolvConfConfigurator(options);
        await Assert.ThrowsAsync<ArgumentException>(async () => await resolver.ApplyAsync(new SystemResolverSettings([IPAddress.Loopback], ["corp.example.com\noptions rotate"]), Token));
        await Assert.ThrowsAsync<ArgumentException>(async () => await resolver.ApplyAsync(new SystemResolverSettings([], []), Token));
        Assert.Equal(Original, await File.ReadAllTextAsync(options.Path, Token));
        Assert.False(resolver.IsApplied);

        Directory.CreateDirectory(Path.GetDirectoryName(options.StatePath)!);
        await File.WriteAllBytesAsync(options.StatePath, Encoding.ASCII.GetBytes("something else\n"), Token);
        await Assert.ThrowsAsync<InvalidDataException>(async () => await resolver.RestoreAsync(Token));
        Assert.True(File.Exists(options.StatePath));
        Assert.Equal(Original, await File.ReadAllTextAsync(options.Path, Token));
    }
}
