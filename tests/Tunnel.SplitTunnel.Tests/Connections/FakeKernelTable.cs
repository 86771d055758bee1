using System.Net;
using Tunnel.Routing;

namespace Tunnel.SplitTunnel.Tests.Connections;

/// <summary>
/// One routing table and its rules as the kernel keeps them, outliving the objects that program it, so a test
/// can see what a closed (or failed-closed) connection left behind.
/// </summary>
internal sealed class FakeKernelTable
{
    public const uint Mark = 52820;

    public Dictionary<IPNetwork, string> Routes { get; } = [];

    public bool Rules { get; set; }

    public List<string> Journal { get; } = [];

    public Applier Open(string interfaceName) => new(this, interfaceName);

    /// <summary>An <see cref="IFailClosedRouteApplier"/> over the table: what it installs it owns, until it lets go.</summary>
    internal sealed class Applier(FakeKernelTable kernel, string interfaceName) : IFailClosedRouteApplier
    {
        private readonly HashSet<IPNetwork> _mine = [];
        private bool _myRules;
        private bool _released;

        public string InterfaceName { get; } = interfaceName;

        public uint FirewallMark => Mark;

        public ValueTask ApplyAsync(RouteSetChange change, CancellationToken cancellationToken)
        {
            foreach (var route in change.Removed)
            {
                kernel.Routes.Remove(route.Destination);
                _mine.Remove(route.Destination);
            }

            foreach (var route in change.Added)
            {
                kernel.Routes[route.Destination] = route.Decision == RouteDecision.Tunnel ? "tunnel" : "direct";
                _mine.Add(route.Destination);
            }

            if (change.Added.Count > 0)
            {
                kernel.Rules = _myRules = true; // after the routes, as the Linux applier does
            }

            kernel.Journal.Add($"apply +{change.Added.Count} -{change.Removed.Count}");
            return ValueTask.CompletedTask;
        }

        public int RemoveStale()
        {
            var stale = kernel.Routes.Keys.Where(destination => !_mine.Contains(destination)).ToList();
            stale.ForEach(destination => kernel.Routes.Remove(destination));
            int removed = stale.Count;
            if (kernel.Rules && !_myRules)
            {
                kernel.Rules = false;
                removed++;
            }

            kernel.Journal.Add($"stale {removed}");
            return removed;
        }

        public int BlockAndRelease()
        {
            int blocked = 0;
            foreach (var destination in _mine.Where(destination => kernel.Routes[destination] == "tunnel").ToList())
            {
                kernel.Routes[destination] = "blocked";
                blocked++;
            }

            _released = true;
            kernel.Journal.Add($"blocked {blocked}");
            return blocked;
        }

        public void Dispose()
        {
            if (_released)
            {
                kernel.Journal.Add("closed, released");
                return;
            }

            if (_myRules)
            {
                kernel.Rules = false;
            }

            foreach (var destination in _mine)
            {
                kernel.Routes.Remove(destination);
            }

            kernel.Journal.Add("closed, removed");
        }
    }
}
