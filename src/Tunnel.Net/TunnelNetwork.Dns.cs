using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Tunnel.Dns;
using Tunnel.Net.Internal;

namespace Tunnel.Net;

public sealed partial class TunnelNetwork
{
    /// <summary>
    /// Resolves <paramref name="host"/> through the tunnel: A and AAAA queries (for the families the interface has
    /// addresses of, or the one asked) to the <c>.conf</c>'s <c>DNS =</c> servers, in order, each asked
    /// <see cref="TunnelNetworkOptions.DnsAttempts"/> times with <see cref="TunnelNetworkOptions.DnsTimeout"/> to answer.
    /// A name without a dot is tried with each search domain first. An answer is believed only from the server asked,
    /// for the query's id and question, and only for the name asked and the CNAME targets its answer leads to. An
    /// address literal is returned as it is.
    /// </summary>
    /// <param name="host">The host name or address.</param>
    /// <param name="family"><see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/> for one family; unspecified for both (IPv4 first).</param>
    /// <param name="cancellationToken">Cancels resolution.</param>
    /// <returns>The addresses, at least one.</returns>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.HostNotFound"/>: the name does not exist or has no address of the families asked;
    /// <see cref="SocketError.TryAgain"/>: no server answered.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="host"/> is not a valid host name.</exception>
    /// <exception cref="InvalidOperationException">The configuration names no DNS server.</exception>
    public async Task<IPAddress[]> ResolveAsync(string host, AddressFamily family = AddressFamily.Unspecified, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return [literal];
        }

        if (!DnsQuery.IsValidName(host))
        {
            throw new ArgumentException($"'{host}' is not a host name: dot-separated ASCII labels of 1 to 63 characters, 253 in all.", nameof(host));
        }

        if (DnsServers.Count == 0)
        {
            throw new InvalidOperationException("The configuration has no DNS = server to resolve names through the tunnel.");
        }

        var types = new List<DnsRecordType>(2);
        if (family != AddressFamily.InterNetworkV6 && (family == AddressFamily.InterNetwork || Addresses.Any(address => address.AddressFamily == AddressFamily.InterNetwork)))
        {
            types.Add(DnsRecordType.A);
        }

        if (family != AddressFamily.InterNetwork && (family == AddressFamily.InterNetworkV6 || Addresses.Any(address => address.AddressFamily == AddressFamily.InterNetworkV6)))
        {
            types.Add(DnsRecordType.AAAA);
        }

        string[] candidates = host.Contains('.', StringComparison.Ordinal) || DnsSearchDomains.Count == 0
            ? [host]
            : [.. DnsSearchDomains.Select(domain => $"{host}.{domain.TrimEnd('.')}"), host];
        bool anyAnswered = false;
        foreach (string name in candidates)
        {
            if (!DnsQuery.IsValidName(name))
            {
                continue;
            }

            Task<(DnsQuery.Outcome, List<IPAddress>)>[] queries = [.. types.Select(type => QueryAsync(name, type, cancellationToken))];
            var found = new List<IPAddress>();
            foreach (Task<(DnsQuery.Outcome Outcome, List<IPAddress> Addresses)> query in queries)
            {
                (DnsQuery.Outcome outcome, List<IPAddress> addresses) = await query.ConfigureAwait(false);
                anyAnswered |= outcome is DnsQuery.Outcome.Answered or DnsQuery.Outcome.NameError;
                found.AddRange(addresses);
            }

            if (found.Count > 0)
            {
                return [.. found.Distinct()];
            }
        }

        throw new SocketException((int)(anyAnswered ? SocketError.HostNotFound : SocketError.TryAgain));
    }

    private async Task<(DnsQuery.Outcome, List<IPAddress>)> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var addresses = new List<IPAddress>();
        byte[] query = ArrayPool<byte>.Shared.Rent(DnsQuery.MaxLength);
        byte[] response = ArrayPool<byte>.Shared.Rent(ushort.MaxValue);
        try
        {
            using TunnelUdpClient client = OpenUdp();
            for (int attempt = 0; attempt < Math.Max(1, _options.DnsAttempts); attempt++)
            {
                foreach (IPAddress server in DnsServers)
                {
                    if (!Addresses.Any(address => address.AddressFamily == server.AddressFamily))
                    {
                        continue; // no address of ours to ask it from
                    }

                    ushort id = (ushort)Random.Shared.Next(ushort.MaxValue + 1); // unpredictable, so an off-path answer is unlikely to match
                    int length = DnsQuery.Write(query, id, name, type);
                    var endpoint = new IPEndPoint(server, 53);
                    await client.SendToAsync(query.AsMemory(0, length), endpoint, cancellationToken).ConfigureAwait(false);
                    DnsQuery.Outcome outcome = await AwaitAnswerAsync(client, response, endpoint, id, name, type, addresses, cancellationToken).ConfigureAwait(false);
                    if (outcome is DnsQuery.Outcome.Answered or DnsQuery.Outcome.NameError)
                    {
                        return (outcome, addresses);
                    }
                }
            }

            return (DnsQuery.Outcome.ServerFailure, addresses);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(query);
            ArrayPool<byte>.Shared.Return(response);
        }
    }

    private async Task<DnsQuery.Outcome> AwaitAnswerAsync(TunnelUdpClient client, byte[] response, IPEndPoint server, ushort id, string name, DnsRecordType type, List<IPAddress> addresses, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.DnsTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            while (true)
            {
                TunnelUdpReceiveResult received = await client.ReceiveFromAsync(response, linked.Token).ConfigureAwait(false);
                if (!received.RemoteEndPoint.Equals(server))
                {
                    continue; // not from the server asked
                }

                DnsQuery.Outcome outcome = DnsQuery.Read(response.AsSpan(0, received.ReceivedBytes), id, name, type, addresses);
                if (outcome != DnsQuery.Outcome.NotOurs)
                {
                    return outcome;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return DnsQuery.Outcome.ServerFailure; // no answer in time: the next server, or the next attempt
        }
    }
}
