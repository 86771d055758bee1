using System.Net.Sockets;
using System.Text;

namespace Tunnel.Controller.Tests;

/// <summary>
/// A gateway's UAPI socket, as a wireguard-go-compatible daemon serves it: <c>get=1</c> answers with its private key,
/// <c>set=1</c> is recorded and answered with <see cref="SetErrno"/>.
/// </summary>
public sealed class FakeUapiGateway : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private readonly string _directory;

    public FakeUapiGateway()
    {
        _directory = Directory.CreateTempSubdirectory("tunnel-uapi-").FullName;
        Path = System.IO.Path.Combine(_directory, "wg0.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen();
        var key = new byte[32];
        System.Security.Cryptography.RandomNumberGenerator.Fill(key);
        PrivateKeyHex = Convert.ToHexStringLower(key);
        PublicKey = Tunnel.Core.Crypto.PrivateKey.Create(key).GetPublicKey().ToBase64String();
        _serving = ServeAsync();
    }

    public string Path { get; }

    public string PrivateKeyHex { get; }

    /// <summary>The public key of <see cref="PrivateKeyHex"/>, base64.</summary>
    public string PublicKey { get; }

    /// <summary>What a set answers: 0, or a negative errno that refuses it.</summary>
    public int SetErrno { get; set; }

    /// <summary>The set requests taken (refused ones too), in order.</summary>
    public List<string> Sets { get; } = [];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _serving.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using Socket client = await _listener.AcceptAsync(_stop.Token);
            var request = new StringBuilder();
            var buffer = new byte[4096];
            while (!request.ToString().EndsWith("\n\n", StringComparison.Ordinal))
            {
                int read = await client.ReceiveAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            string text = request.ToString();
            string answer;
            if (text.StartsWith("get=1", StringComparison.Ordinal))
            {
                answer = $"private_key={PrivateKeyHex}\nlisten_port=51820\nerrno=0\n\n";
            }
            else
            {
                lock (Sets)
                {
                    Sets.Add(text);
                }

                answer = $"errno={SetErrno}\n\n";
            }

            await client.SendAsync(Encoding.ASCII.GetBytes(answer), _stop.Token);
        }
    }
}
