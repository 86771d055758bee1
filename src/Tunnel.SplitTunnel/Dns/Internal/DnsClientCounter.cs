using System.Net;

namespace Tunnel.Dns.Internal;

/// <summary>
/// How many of something (queries in flight, open connections) each client address holds, with a cap per
/// address, so one client cannot take every slot of a shared limit. An address is kept only while it holds
/// something, so the table is never larger than the shared limit.
/// </summary>
internal sealed class DnsClientCounter(int perClient)
{
    private readonly Dictionary<IPAddress, int> _counts = [];
    private readonly Lock _gate = new();

    internal int PerClient { get; } = perClient;

    /// <summary>Takes one for <paramref name="client"/>, unless it already holds <see cref="PerClient"/>.</summary>
    internal bool TryAcquire(IPAddress client)
    {
        lock (_gate)
        {
            _counts.TryGetValue(client, out int held);
            if (held >= PerClient)
            {
                return false;
            }

            _counts[client] = held + 1;
            return true;
        }
    }

    /// <summary>Gives back one that <see cref="TryAcquire"/> took.</summary>
    internal void Release(IPAddress client)
    {
        lock (_gate)
        {
            if (_counts.TryGetValue(client, out int held))
            {
                if (held <= 1)
                {
                    _counts.Remove(client);
                }
                else
                {
                    _counts[client] = held - 1;
                }
            }
        }
    }

    /// <summary>What <paramref name="client"/> holds now.</summary>
    internal int HeldBy(IPAddress client)
    {
        lock (_gate)
        {
            return _counts.TryGetValue(client, out int held) ? held : 0;
        }
    }
}
