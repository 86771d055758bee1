using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Tunnel.Core.Crypto;

namespace Tunnel.Controller.Gateway;

/// <summary>
/// The gateway's peers through its UAPI socket (the cross-platform userspace interface of wireguard-go, which our
/// daemon serves): <c>set=1</c> with the peer's key and one allowed address to add, <c>remove=true</c> to remove; the
/// gateway answers <c>errno=0</c> or the error, and a refused set changes nothing there.
/// </summary>
internal sealed class UapiGatewayPeers(string socketPath, string? configuredPublicKey) : IGatewayPeers, IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1); // one conversation at a time: the socket is cheap, the gateway's lock is not

    public bool IsAttached => true;

    public void Dispose() => _one.Dispose();

    public async Task<string?> GetPublicKeyAsync(CancellationToken cancellationToken)
    {
        if (configuredPublicKey is not null)
        {
            return configuredPublicKey;
        }

        string answer = await ExchangeAsync("get=1\n\n", cancellationToken).ConfigureAwait(false);
        foreach (string line in answer.Split('\n'))
        {
            if (line.StartsWith("private_key=", StringComparison.Ordinal))
            {
                byte[] bytes = Convert.FromHexString(line["private_key=".Length..]);
                PrivateKey key = PrivateKey.Create(bytes);
                CryptographicZero(bytes);
                return key.GetPublicKey().ToBase64String();
            }
        }

        return null;
    }

    public async Task AddAsync(string publicKey, string address, CancellationToken cancellationToken)
    {
        string host = address.Contains(':', StringComparison.Ordinal) ? $"{address}/128" : $"{address}/32";
        await SetAsync($"set=1\npublic_key={Hex(publicKey)}\nreplace_allowed_ips=true\nallowed_ip={host}\n\n", cancellationToken).ConfigureAwait(false);
    }

    public Task RemoveAsync(string publicKey, CancellationToken cancellationToken) =>
        SetAsync($"set=1\npublic_key={Hex(publicKey)}\nremove=true\n\n", cancellationToken);

    private static string Hex(string publicKey) => PublicKey.TryParse(publicKey, out PublicKey key)
        ? key.ToHexString()
        : throw new GatewayException($"'{publicKey}' is not a WireGuard public key.");

    private static void CryptographicZero(byte[] bytes) => System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);

    private async Task SetAsync(string request, CancellationToken cancellationToken)
    {
        string answer = await ExchangeAsync(request, cancellationToken).ConfigureAwait(false);
        string errno = answer.Split('\n').FirstOrDefault(line => line.StartsWith("errno=", StringComparison.Ordinal)) ?? "errno=?";
        if (errno != "errno=0")
        {
            throw new GatewayException($"The gateway refused the change ({errno}).");
        }
    }

    private async Task<string> ExchangeAsync(string request, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token).ConfigureAwait(false);
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var answer = new StringBuilder();
            var buffer = new byte[4096];
            while (!answer.ToString().EndsWith("\n\n", StringComparison.Ordinal))
            {
                int read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            return answer.ToString();
        }
        catch (Exception error) when (error is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new GatewayException(string.Create(CultureInfo.InvariantCulture, $"The gateway's UAPI socket {socketPath} did not answer: {error.Message}"), error);
        }
        finally
        {
            _one.Release();
        }
    }
}
