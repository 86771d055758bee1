using System.Net;
using Tunnel.Routing;
using Tunnel.Testing;

namespace Tunnel.SplitTunnel.Tests.Drivers;

public sealed class SplitTunnelControllerTests
{
    private static SplitTunnelPolicy Policy(SplitTunnelMode mode, params string[] entries) =>
        new(mode, SplitTunnelRule.LinkLocalAndMulticast.Concat(entries.Select(e => SplitTunnelRule.Parse(e))));

    [Fact]
    public async Task Start_AppliesTheWholeSet_AndStopRemovesEverything()
    {
        var applier = new InMemoryRouteApplier();
        var router = new SplitTunnelRouter(Policy(SplitTunnelMode.Exclude, "10.0.0.0/8", "*.corp.test"));
        await using var controller = new SplitTunnelController(router, applier);
        await controller.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(router.GetRoutes().ToDictionary(r => r.Destination, r => r.Decision), applier.Routes);
        Assert.True(applier.Contains(IPNetwork.Parse("0.0.0.0/0"), RouteDecision.Tunnel));
        Assert.True(applier.Contains(IPNetwork.Parse("10.0.0.0/8"), RouteDecision.Direct));

        Assert.Equal(1, await controller.LearnAsync(DnsResponses.A("a.corp.test", "192.0.2.9", timeToLive: 300), TestContext.Current.CancellationToken));
        Assert.True(applier.Contains(IPNetwork.Parse("192.0.2.9/32"), RouteDecision.Direct));
        await controller.StopAsync(TestContext.Current.CancellationToken);
        Assert.Empty(applier.Routes);
        Assert.Equal(0, controller.ApplyFailures);
    }

    [Fact]
    public async Task SetPolicy_AppliesOnlyTheDifference()
    {
        var applier = new InMemoryRouteApplier();
        await using var controller = new SplitTunnelController(new SplitTunnelRouter(Policy(SplitTunnelMode.Include, "10.0.0.0/8")), applier);
        await controller.StartAsync(TestContext.Current.CancellationToken);
        var change = await controller.SetPolicyAsync(controller.Router.Policy.WithRule(SplitTunnelRule.Parse("172.16.0.0/12")), TestContext.Current.CancellationToken);
        Assert.Equal([new PlannedRoute(IPNetwork.Parse("172.16.0.0/12"), RouteDecision.Tunnel)], change.Added);
        Assert.Empty(change.Removed);
        Assert.True(applier.Contains(IPNetwork.Parse("172.16.0.0/12"), RouteDecision.Tunnel));
        Assert.Same(change, applier.History[^1]);
    }

    [Fact]
    public async Task LearnedRoutesExpireOnTheirOwn_AtTheRoutersDeadline()
    {
        var applier = new InMemoryRouteApplier();
        var removed = new TaskCompletionSource<RouteSetChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        applier.Applied += change =>
        {
            if (change.Removed.Count > 0)
            {
                removed.TrySetResult(change);
            }
        };

        var options = new LearnedRouteOptions { MinimumTimeToLive = TimeSpan.Zero, GracePeriod = TimeSpan.FromMilliseconds(200) };
        await using var controller = new SplitTunnelController(new SplitTunnelRouter(Policy(SplitTunnelMode.Include, "*.corp.test"), options), applier);
        await controller.StartAsync(TestContext.Current.CancellationToken);
        var response = DnsResponses.A("x.corp.test", "10.7.7.7", timeToLive: 1);
        Assert.Equal(1, await controller.LearnAsync(response, TestContext.Current.CancellationToken));
        Assert.True(applier.Contains(IPNetwork.Parse("10.7.7.7/32"), RouteDecision.Tunnel));

        var change = await removed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal([new PlannedRoute(IPNetwork.Parse("10.7.7.7/32"), RouteDecision.Tunnel)], change.Removed);
        Assert.True(controller.Now >= TimeSpan.FromSeconds(1.2));
        Assert.Null(controller.Router.NextDeadline);
    }

    [Fact]
    public async Task AFailingApplierIsCountedAndTheAnswerWithheld_AndTheNextAnswerLearnsAgain()
    {
        var applier = new FailingApplier();
        await using var controller = new SplitTunnelController(new SplitTunnelRouter(Policy(SplitTunnelMode.Include, "*.corp.test")), applier);
        await controller.StartAsync(TestContext.Current.CancellationToken);
        applier.Fail = true;
        var response = DnsResponses.A("x.corp.test", "10.7.7.7", timeToLive: 60);
        Assert.Equal(new AnswerLearning(0, 0, MayRelease: false), await controller.LearnAnswerAsync(response, TestContext.Current.CancellationToken));
        Assert.True(controller.ApplyFailures >= 1);
        Assert.IsType<InvalidOperationException>(controller.LastError);
        Assert.Equal((0, 1L), (controller.Router.Statistics.LearnedAddresses, controller.AnswersWithheld));

        // Forgotten, so the next answer installs the route rather than finding the address known.
        applier.Fail = false;
        Assert.Equal(new AnswerLearning(1, 0, MayRelease: true), await controller.LearnAnswerAsync(response, TestContext.Current.CancellationToken));
    }

    private sealed class FailingApplier : IRouteApplier
    {
        public bool Fail { get; set; }

        public ValueTask ApplyAsync(RouteSetChange change, CancellationToken cancellationToken) =>
            Fail ? throw new InvalidOperationException("no route table") : ValueTask.CompletedTask;
    }
}
