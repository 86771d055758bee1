using System.Net.Sockets;
using System.Runtime.Versioning;
using Tunnel.Platform.Linux;

namespace Tunnel.Platform.Tests.Linux;

[SupportedOSPlatform("linux")]
public sealed class UnixPeerCredentialsTests
{
    [Fact]
    public async Task TheAcceptedSocket_KnowsWhoConnected()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "SO_PEERCRED is Linux's.");
        string path = Path.Combine(Path.GetTempPath(), $"tunnel-peercred-{Environment.ProcessId}-{Random.Shared.Next()}.sock");
        try
        {
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(new UnixDomainSocketEndPoint(path), TestContext.Current.CancellationToken);
            using var accepted = await listener.AcceptAsync(TestContext.Current.CancellationToken);

            var credentials = UnixPeerCredentials.FromSocket(accepted);
            Assert.Equal(Environment.ProcessId, credentials.ProcessId);
            Assert.Equal(uint.Parse(Requirements.Run("id", "-u").Trim(), System.Globalization.CultureInfo.InvariantCulture), credentials.UserId);
            Assert.Equal(uint.Parse(Requirements.Run("id", "-g").Trim(), System.Globalization.CultureInfo.InvariantCulture), credentials.GroupId);
            Assert.True(credentials.IsInGroup(credentials.GroupId));
            foreach (string group in Requirements.Run("id", "-G").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                Assert.True(credentials.IsInGroup(uint.Parse(group, System.Globalization.CultureInfo.InvariantCulture)), $"group {group}");
            }

            Assert.Equal(credentials.UserId == 0, credentials.IsRoot);
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            Assert.Throws<ArgumentException>(() => UnixPeerCredentials.FromSocket(udp));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
