using System.Diagnostics.Metrics;
using Tunnel.LocalApi;

namespace Tunnel.Agent.Service;

/// <summary>
/// The agent's instruments on the <c>Tunnel.Agent</c> meter, read when a listener collects (the device's own
/// counters are on the <c>Tunnel</c> meter): whether it is connected or reconnecting, engine failures, handshakes and the newest one's age (from the tunnel's peer events), learned routes,
/// DNS queries and route-apply failures, and how many clients watch.
/// </summary>
internal sealed class AgentMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Tunnel.Agent";

    private readonly Meter _meter;

    /// <summary>Creates the instruments over <paramref name="agent"/>'s state.</summary>
    public AgentMetrics(AgentService agent, IMeterFactory? meters)
    {
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableGauge("tunnel.agent.connected", () => agent.State == ConnectionStates.Connected ? 1 : 0, description: "1 while connected in a tunnel mode.");
        _meter.CreateObservableGauge("tunnel.agent.reconnecting", () => agent.State == ConnectionStates.Reconnecting ? 1 : 0, description: "1 while the tunnel is down and its traffic blocked, until the agent has reconnected.");
        _meter.CreateObservableCounter("tunnel.agent.engine.failures", () => agent.EngineFailures, unit: "{failure}", description: "Times the tunnel's engine died under a connection (a pump fault, the interface deleted).");
        _meter.CreateObservableCounter("tunnel.agent.handshakes", () => agent.Handshakes, unit: "{handshake}", description: "Handshakes completed with the gateway, counted from the tunnel's peer events.");
        _meter.CreateObservableGauge("tunnel.agent.handshake.age", () => HandshakeAge(agent), unit: "s", description: "Seconds since the last handshake with the gateway.");
        _meter.CreateObservableGauge("tunnel.agent.routes.learned", () => agent.Connection?.Controller.Router.Statistics.LearnedAddresses ?? 0, unit: "{route}", description: "Addresses learned from DNS answers.");
        _meter.CreateObservableCounter("tunnel.agent.routes.apply_failures", () => agent.Connection?.Controller.ApplyFailures ?? 0, unit: "{failure}", description: "Route changes the kernel refused.");
        _meter.CreateObservableCounter("tunnel.agent.dns.queries", () => agent.Connection?.DnsQueries ?? 0, unit: "{query}", description: "Queries the forwarder received.");
        _meter.CreateObservableGauge("tunnel.agent.api.connections", () => agent.ApiConnections?.Active ?? 0, unit: "{connection}", description: "Connections open on the local API's socket.");
        _meter.CreateObservableCounter("tunnel.agent.api.rejected", () => agent.ApiConnections?.Rejected ?? 0, unit: "{connection}", description: "Connections refused over the local API's limit.");
        _meter.CreateObservableGauge("tunnel.agent.watchers", () => agent.Events.SubscriberCount, unit: "{client}", description: "Clients watching the event stream.");
    }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    private static IEnumerable<Measurement<double>> HandshakeAge(AgentService agent)
    {
        if (agent.HandshakeAgeSeconds() is { } age)
        {
            yield return new Measurement<double>(age);
        }
    }
}
