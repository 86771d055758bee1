using System.Runtime.Versioning;
using Tunnel.Platform.Linux.Internal;

namespace Tunnel.Platform.Tests.Linux;

[SupportedOSPlatform("linux")]
public sealed class NetworkNamespaceTests
{
    private static string CurrentNamespace() => new FileInfo("/proc/thread-self/ns/net").LinkTarget!;

    [Fact]
    public void Run_EntersTheNamedNamespace_OnItsOwnThread_AndPassesResultsAndExceptionsBack()
    {
        Requirements.RootAndTun();
        string name = $"tunnel-ns-{Random.Shared.Next():x8}";
        Requirements.Run("ip", "netns", "add", name);
        try
        {
            string outside = CurrentNamespace();
            string inode = Requirements.Run("stat", "-L", "-c", "%i", $"/var/run/netns/{name}").Trim();

            Assert.Equal($"net:[{inode}]", NetworkNamespace.Run(name, CurrentNamespace));
            Assert.Equal(outside, CurrentNamespace());
            var error = Assert.Throws<InvalidOperationException>(() => NetworkNamespace.Run(name, () => throw new InvalidOperationException("inside")));
            Assert.Equal("inside", error.Message);
            Assert.Throws<IOException>(() => NetworkNamespace.Run(name + "-missing", () => { }));
            Assert.Throws<ArgumentException>(() => NetworkNamespace.Run("../x", () => { }));
        }
        finally
        {
            Requirements.Run("ip", "netns", "delete", name);
        }
    }
}
