using Tunnel.Core;
using Tunnel.Dns;

namespace Tunnel.Routing;

public sealed partial class SplitTunnelRouter
{
    /// <summary>
    /// Learns from a DNS response: when a domain rule matches the queried name (or, failing that, a name of
    /// its CNAME chain), every A and AAAA address of the chain and every HTTPS/SVCB address hint is
    /// claimed for the queried name, with the smallest TTL on its path. Truncated responses, errors and
    /// records for names outside the chain teach nothing. Allocation-free when the addresses are known.
    /// </summary>
    /// <param name="response">The DNS message as received (without the TCP length prefix).</param>
    /// <param name="now">The current time on the router's clock.</param>
    /// <returns>The change the system's routes must go through before the answer is released.</returns>
    public RouteSetChange Learn(ReadOnlySpan<byte> response, TimeSpan now) => Learn(response, now, out _);

    /// <summary>
    /// Learns from a DNS response as <see cref="Learn(ReadOnlySpan{byte}, TimeSpan)"/> does, and says how many
    /// of its addresses a limit refused (<see cref="LearnedRouteOptions.MaxRoutes"/>,
    /// <see cref="LearnedRouteOptions.MaxAddressesPerName"/>, <see cref="LearnedRouteOptions.MaxClaimsPerAddress"/>).
    /// A refused address does not route by the name's rule, so learn-then-release must not release such an
    /// answer where that rule sends traffic into the tunnel (fail closed).
    /// </summary>
    /// <param name="response">The DNS message as received (without the TCP length prefix).</param>
    /// <param name="now">The current time on the router's clock.</param>
    /// <param name="refused">The addresses of the answer that were not learned because a limit was reached.</param>
    /// <returns>The change the system's routes must go through before the answer is released.</returns>
    public RouteSetChange Learn(ReadOnlySpan<byte> response, TimeSpan now, out int refused)
    {
        refused = 0;
        if (!DnsMessage.TryParse(response, out var message, out _) || !message.IsResponse)
        {
            lock (_gate)
            {
                _counts.MalformedResponses++;
            }

            return RouteSetChange.None;
        }

        if (message.IsTruncated || message.ResponseCode != DnsResponseCode.NoError || message.AnswerCount == 0)
        {
            lock (_gate)
            {
                _counts.ResponsesInspected++;
                _counts.TruncatedResponses += message.IsTruncated ? 1 : 0;
            }

            return RouteSetChange.None;
        }

        var chain = DnsAnswerChain.Resolve(message);
        var policy = _snapshot.Policy;
        Span<byte> name = stackalloc byte[DomainName.MaxLength + 2];
        SplitTunnelRule? rule = null;
        for (int i = 0; i < chain.Count && rule is null; i++)
        {
            int length = chain[i].CopyTo(name);
            if (length > 0 && policy.TryMatchDomain(name[..length], out var matched))
            {
                rule = matched;
            }
        }

        lock (_gate)
        {
            _counts.ResponsesInspected++;
            if (rule is null || chain.Count == 0)
            {
                return RouteSetChange.None;
            }

            _counts.ResponsesMatched++;
            int queried = chain[0].CopyTo(name);
            if (queried <= 0)
            {
                return RouteSetChange.None;
            }

            var changes = default(ChangeCollector);
            foreach (var address in chain.Addresses)
            {
                if (!LearnAddress(name[..queried], rule, address.Address, TimeSpan.FromSeconds(address.TimeToLive), now, ref changes))
                {
                    refused++;
                }
            }

            return Complete(ref changes);
        }
    }
}
