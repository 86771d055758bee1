using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tunnel.Agent.Configuration;
using Tunnel.Agent.Service;

namespace Tunnel.Agent.Tests;

/// <summary>
/// The agent's policy stream, against a controller scripted event by event: each policy applied as it comes, the
/// credential presented, a reconnection resuming from the last version, and revocation (an event, or a credential the
/// controller no longer knows) closing down.
/// </summary>
public sealed class ControllerClientTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Policies_AreAppliedAsTheyCome_AndAReconnectionResumesFromTheLastVersion()
    {
        var controller = new ScriptedController();
        await using var fixture = await Fixture.StartAsync(controller);

        ScriptedController.Stream first = await controller.NextStreamAsync();
        Assert.Equal("Bearer tcd_credential", first.Authorization);
        Assert.Null(first.LastEventId);
        await first.SendAsync("policy", AgentPolicyTests.Json(AgentPolicyTests.Snapshot(version: 7, mode: "include", include: ["10.20.0.0/16"])));
        await WaitUntilAsync(() => fixture.Agent.Policy?.Version == 7);
        Assert.Equal(AgentMode.Include, fixture.Agent.Settings.Mode);

        await first.SendCommentAsync();
        await first.SendAsync("policy", AgentPolicyTests.Json(AgentPolicyTests.Snapshot(version: 8, mode: "exclude", exclude: ["192.168.0.0/16"])));
        await WaitUntilAsync(() => fixture.Agent.Policy?.Version == 8);
        Assert.Equal(["192.168.0.0/16"], fixture.Agent.Settings.SplitTunnel.Select(rule => rule.ToString()));

        first.End(); // the controller restarts
        ScriptedController.Stream second = await controller.NextStreamAsync(fixture.Time);
        Assert.Equal("8", second.LastEventId);
    }

    [Fact]
    public async Task ARevokedEvent_ClosesDown_AndTheClientStops()
    {
        var controller = new ScriptedController();
        await using var fixture = await Fixture.StartAsync(controller);
        ScriptedController.Stream stream = await controller.NextStreamAsync();

        await stream.SendAsync("revoked", "{}");

        await fixture.Client.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Contains("revoked by the controller", fixture.Agent.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACredentialTheControllerNoLongerKnows_CountsAsRevoked()
    {
        var controller = new ScriptedController { Status = HttpStatusCode.Unauthorized };
        await using var fixture = await Fixture.StartAsync(controller);

        await fixture.Client.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Contains("revoked by the controller", fixture.Agent.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APolicyTheAgentCannotRead_IsNotApplied_AndSaysWhy()
    {
        var controller = new ScriptedController();
        await using var fixture = await Fixture.StartAsync(controller);
        ScriptedController.Stream stream = await controller.NextStreamAsync();

        await stream.SendAsync("policy", AgentPolicyTests.Json(AgentPolicyTests.Snapshot(version: 3, mode: "exclude", exclude: ["10.0.0.0/40"])));

        await WaitUntilAsync(() => fixture.Agent.LastError is not null);
        Assert.Contains("was not applied", fixture.Agent.LastError, StringComparison.Ordinal);
        Assert.Null(fixture.Agent.Policy);
        Assert.Equal(3, fixture.Client.Version);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, Token);
        }

        Assert.True(condition(), "the condition did not hold within 5 s");
    }

    private sealed class Fixture : IAsyncDisposable
    {
        private readonly string _directory;

        private Fixture(AgentService agent, ControllerClient client, FakeTimeProvider time, string directory)
        {
            Agent = agent;
            Client = client;
            Time = time;
            _directory = directory;
        }

        public AgentService Agent { get; }

        public ControllerClient Client { get; }

        public FakeTimeProvider Time { get; }

        public static async Task<Fixture> StartAsync(ScriptedController controller)
        {
            string directory = Directory.CreateTempSubdirectory("tunnel-agent-controller-").FullName;
            string credential = Path.Combine(directory, "agent.credential");
            await File.WriteAllTextAsync(credential, "tcd_credential\n", Token);
            AgentService agent = AgentServiceFixture.Create(AgentServiceFixture.Settings());
            var time = new FakeTimeProvider();
            var client = new ControllerClient(agent, new ControllerSettings(new Uri("https://controller.test/"), credential), controller, time, NullLogger<ControllerClient>.Instance);
            await client.StartAsync(Token);
            return new Fixture(agent, client, time, directory);
        }

        public async ValueTask DisposeAsync()
        {
            await Client.StopAsync(CancellationToken.None);
            Client.Dispose();
            await Agent.DisposeAsync();
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>A controller whose policy streams the test writes event by event.</summary>
    private sealed class ScriptedController : HttpMessageHandler
    {
        private readonly System.Threading.Channels.Channel<Stream> _streams = System.Threading.Channels.Channel.CreateUnbounded<Stream>();

        public HttpStatusCode Status { get; init; } = HttpStatusCode.OK;

        /// <summary>The next stream the agent opens (advancing <paramref name="time"/> past its retry delay, if given).</summary>
        public async Task<Stream> NextStreamAsync(FakeTimeProvider? time = null)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            Task<Stream> next = _streams.Reader.ReadAsync(timeout.Token).AsTask();
            while (true)
            {
                if (time is null)
                {
                    return await next;
                }

                if (await Task.WhenAny(next, Task.Delay(20, Token)) == next)
                {
                    return await next;
                }

                time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath != "/agent/v1/policy/stream")
            {
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"success":true,"errors":[],"messages":[],"result":null}""") };
            }

            if (Status != HttpStatusCode.OK)
            {
                return new HttpResponseMessage(Status) { Content = new StringContent("""{"success":false,"errors":[{"code":10000,"message":"no"}],"messages":[],"result":null}""") };
            }

            var pipe = new Pipe();
            var stream = new Stream(pipe.Writer, request.Headers.Authorization?.ToString(), request.Headers.TryGetValues("Last-Event-ID", out var ids) ? ids.Single() : null);
            await _streams.Writer.WriteAsync(stream, cancellationToken);
            var content = new StreamContent(pipe.Reader.AsStream());
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/event-stream");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }

        public sealed class Stream(PipeWriter writer, string? authorization, string? lastEventId)
        {
            public string? Authorization { get; } = authorization;

            public string? LastEventId { get; } = lastEventId;

            public async Task SendAsync(string type, string data) => await writer.WriteAsync(Encoding.UTF8.GetBytes($"event: {type}\ndata: {data}\n\n"), Token);

            public async Task SendCommentAsync() => await writer.WriteAsync(": keep-alive\n\n"u8.ToArray(), Token);

            public void End() => writer.Complete();
        }
    }
}
