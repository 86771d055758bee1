using System.Net;
using System.Text;
using System.Text.Json;
using Tunnel.Agent.Configuration;
using Tunnel.ControlPlane;

namespace Tunnel.Agent.Tests;

/// <summary>
/// <c>tunnel-agent enroll</c>: what it sends the controller (a new key, the device's facts, the token), and what it
/// writes (a configuration that loads, a <c>.conf</c> with the assigned tunnel, a credential; secrets readable by their
/// owner only); a refusal writes nothing, and nothing existing is overwritten.
/// </summary>
public sealed class EnrollCommandTests
{
    private static readonly string GatewayKey = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i + 1)).ToArray());

    [Fact]
    public async Task AnEnrolment_WritesAConfigurationThatLoads_WithTheAssignedTunnelAndTheController()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-enroll-").FullName;
        var controller = new EnrolmentController(HttpStatusCode.Created, Answer(true, new EnrolmentResponse(Guid.NewGuid(), "tcd_secret", "100.96.0.7/32", ["100.96.0.1"], new GatewayPeer(GatewayKey, "gw.corp.example:51820", ["100.96.0.0/12", "10.0.0.0/8"], 25)), null));
        string config = Path.Combine(directory, "agent.json");

        int exit = await EnrollCommand.RunAsync(["--controller", "https://controller.test/", "--token", "tce_token", "--config", config, "--name", "ann-laptop"], controller);

        Assert.Equal(0, exit);
        EnrolmentRequest sent = controller.Request!;
        Assert.Equal(("tce_token", "ann-laptop", "0.1.0"), (sent.Token, sent.Name, sent.Version?[..5]));
        Assert.True(Tunnel.Core.Crypto.PublicKey.TryParse(sent.PublicKey, out _));
        AgentSettings settings = AgentConfigurationLoader.Load(config);
        Assert.Equal(new Uri("https://controller.test/"), settings.Controller!.Url);
        Assert.Equal("tcd_secret", (await File.ReadAllTextAsync(settings.Controller.CredentialFile, TestContext.Current.CancellationToken)).Trim());
        Assert.Equal("100.96.0.7", settings.Tunnel!.Interface.Addresses.Single().Address.ToString());
        var peer = Assert.Single(settings.Tunnel.Peers);
        Assert.Equal(GatewayKey, peer.PublicKey.ToString());
        Assert.Equal(["100.96.0.0/12", "10.0.0.0/8"], peer.AllowedIps.Select(ip => ip.ToString()));
        Assert.Equal(sent.PublicKey, settings.TunnelKey!.PublicKey.ToString()); // the key sent is the key kept
        if (!OperatingSystem.IsWindows())
        {
            foreach (string secret in new[] { settings.TunnelFile!, settings.Controller.CredentialFile })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secret));
            }
        }
    }

    [Fact]
    public async Task ARefusal_SaysWhy_AndWritesNothing()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-enroll-").FullName;
        var controller = new EnrolmentController(HttpStatusCode.Unauthorized, Answer(false, null, "The enrolment token is not valid (unknown, deleted or expired)."));
        var error = new StringWriter();
        TextWriter original = Console.Error;
        Console.SetError(error);
        int exit;
        try
        {
            exit = await EnrollCommand.RunAsync(["--controller", "https://controller.test/", "--token", "tce_old", "--config", Path.Combine(directory, "agent.json")], controller);
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(1, exit);
        Assert.Contains("refused the enrolment: The enrolment token is not valid", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(directory));
    }

    [Fact]
    public async Task AnExistingFile_IsNotOverwritten_AndNothingIsAsked()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-enroll-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "agent.conf"), "mine", TestContext.Current.CancellationToken);
        var controller = new EnrolmentController(HttpStatusCode.Created, "{}");

        int exit = await EnrollCommand.RunAsync(["--controller", "https://controller.test/", "--token", "tce_token", "--config", Path.Combine(directory, "agent.json")], controller);

        Assert.Equal(1, exit);
        Assert.Null(controller.Request);
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(directory, "agent.conf"), TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("--token", "t", "--config", "a.json")]
    [InlineData("--controller", "ftp://x", "--token", "t", "--config", "a.json")]
    [InlineData("--controller", "https://x", "--config", "a.json")]
    public async Task AnIncompleteCommandLine_Is2(params string[] args)
    {
        Environment.SetEnvironmentVariable("TUNNEL_ENROLMENT_TOKEN", null);
        Assert.Equal(2, await EnrollCommand.RunAsync(args, new EnrolmentController(HttpStatusCode.Created, "{}")));
    }

    private static string Answer(bool success, EnrolmentResponse? result, string? error) => JsonSerializer.Serialize(
        new ControlPlaneAnswer<EnrolmentResponse>(success, error is null ? [] : [new ControlPlaneMessage(10000, error)], result),
        ControlPlaneJsonContext.Default.ControlPlaneAnswerEnrolmentResponse);

    private sealed class EnrolmentController(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public EnrolmentRequest? Request { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal("https://controller.test/agent/v1/enrol", request.RequestUri!.ToString());
            Request = JsonSerializer.Deserialize(await request.Content!.ReadAsStringAsync(cancellationToken), ControlPlaneJsonContext.Default.EnrolmentRequest);
            return new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }
}
