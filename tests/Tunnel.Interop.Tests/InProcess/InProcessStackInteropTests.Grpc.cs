using System.Net;
using System.Security.Cryptography;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tunnel.Net;
using Tunnel.Platform.Linux.Internal;

namespace Tunnel.Interop.Tests.InProcess;

/// <summary>
/// gRPC through the in-process stack: Grpc.Net.Client over <see cref="TunnelNetwork.CreateHttpHandler"/> (HTTP/2 with
/// prior knowledge, one TCP connection of ours multiplexing the calls) to Kestrel and Grpc.AspNetCore listening on the
/// kernel's TCP in the gateway's namespace. The methods are bound by hand (no generated code): the bytes on the wire
/// are gRPC's all the same.
/// </summary>
public sealed partial class InProcessStackInteropTests
{
    private const int GrpcPort = 50051;

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(static message => message, static payload => payload);

    private static readonly Method<byte[], byte[]> Reverse = new(MethodType.Unary, "lab.Lab", "Reverse", Bytes, Bytes);

    private static readonly Method<byte[], byte[]> Download = new(MethodType.ServerStreaming, "lab.Lab", "Download", Bytes, Bytes);

    private static readonly Method<byte[], byte[]> Upload = new(MethodType.ClientStreaming, "lab.Lab", "Upload", Bytes, Bytes);

    private static readonly Method<byte[], byte[]> Stall = new(MethodType.Unary, "lab.Lab", "Stall", Bytes, Bytes);

    [Fact]
    public async Task Grpc_UnaryAndStreamingCalls_ReachKestrelThroughTheTunnel_ByName()
    {
        await PingUntilAnsweredAsync(IPAddress.Parse("10.200.0.2"));
        await using WebApplication server = await StartGrpcServerAsync();
        using var channel = GrpcChannel.ForAddress($"http://web.lab.test:{GrpcPort}", new GrpcChannelOptions
        {
            HttpHandler = lab.Network.CreateHttpHandler(),
            MaxReceiveMessageSize = 1 << 20,
        });
        CallInvoker calls = channel.CreateCallInvoker();

        // Unary, several at once on the one HTTP/2 connection.
        byte[][] requests = [.. Enumerable.Range(1, 8).Select(index => RandomNumberGenerator.GetBytes(index * 1000))];
        byte[][] replies = await Task.WhenAll(requests.Select(request => calls.AsyncUnaryCall(Reverse, null, new CallOptions(cancellationToken: Token), request).ResponseAsync));
        for (int index = 0; index < requests.Length; index++)
        {
            Assert.Equal(requests[index].Reverse(), replies[index]);
        }

        // Server streaming: 8 MiB in 64 KiB messages, more than HTTP/2's and our TCP's windows hold at once.
        using (AsyncServerStreamingCall<byte[]> download = calls.AsyncServerStreamingCall(Download, null, new CallOptions(cancellationToken: Token), BitConverter.GetBytes(128)))
        {
            int messages = 0;
            await foreach (byte[] message in download.ResponseStream.ReadAllAsync(Token))
            {
                Assert.Equal(ChunkOf(messages), message);
                messages++;
            }

            Assert.Equal(128, messages);
            Assert.Equal(StatusCode.OK, download.GetStatus().StatusCode);
        }

        // Client streaming: 4 MiB up, the server answers with its SHA-256.
        using (AsyncClientStreamingCall<byte[], byte[]> upload = calls.AsyncClientStreamingCall(Upload, null, new CallOptions(cancellationToken: Token)))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (int index = 0; index < 64; index++)
            {
                byte[] chunk = ChunkOf(index);
                hash.AppendData(chunk);
                await upload.RequestStream.WriteAsync(chunk, Token);
            }

            await upload.RequestStream.CompleteAsync();
            Assert.Equal(hash.GetHashAndReset(), await upload.ResponseAsync);
        }
    }

    [Fact]
    public async Task Grpc_ADeadline_EndsTheCallWithDeadlineExceeded_AndTheConnectionCarriesTheNext()
    {
        await PingUntilAnsweredAsync(IPAddress.Parse("10.200.0.2"));
        await using WebApplication server = await StartGrpcServerAsync();
        using var channel = GrpcChannel.ForAddress($"http://10.200.0.2:{GrpcPort}", new GrpcChannelOptions { HttpHandler = lab.Network.CreateHttpHandler() });
        CallInvoker calls = channel.CreateCallInvoker();

        var stalled = await Assert.ThrowsAsync<RpcException>(() => calls.AsyncUnaryCall(Stall, null, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(500), cancellationToken: Token), []).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, stalled.StatusCode);
        Assert.Equal([3, 2, 1], await calls.AsyncUnaryCall(Reverse, null, new CallOptions(cancellationToken: Token), [1, 2, 3]).ResponseAsync);
    }

    private static byte[] ChunkOf(int index)
    {
        byte[] chunk = new byte[64 << 10];
        new Random(index).NextBytes(chunk);
        return chunk;
    }

    /// <summary>Kestrel (HTTP/2 only, as gRPC without TLS needs) on 10.200.0.2, its listening socket made in the gateway's namespace.</summary>
    private async Task<WebApplication> StartGrpcServerAsync()
    {
        string ns = lab.Lab.Namespace(2);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseSockets(sockets => sockets.CreateBoundListenSocket = endpoint => NetworkNamespace.Run(ns, () => SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint)));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse("10.200.0.2"), GrpcPort, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<IServiceMethodProvider<LabService>, LabMethods>();
        WebApplication app = builder.Build();
        app.MapGrpcService<LabService>();
        await app.StartAsync(Token);
        return app;
    }

    /// <summary>The service's state: none; the methods are static, bound by <see cref="LabMethods"/>.</summary>
    private sealed class LabService;

    private sealed class LabMethods : IServiceMethodProvider<LabService>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<LabService> context)
        {
            context.AddUnaryMethod(Reverse, [], static (_, request, _) => Task.FromResult(request.Reverse().ToArray()));
            context.AddServerStreamingMethod(Download, [], static async (_, request, responses, call) =>
            {
                int count = BitConverter.ToInt32(request);
                for (int index = 0; index < count; index++)
                {
                    await responses.WriteAsync(ChunkOf(index), call.CancellationToken);
                }
            });
            context.AddClientStreamingMethod(Upload, [], static async (_, requests, call) =>
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                await foreach (byte[] chunk in requests.ReadAllAsync(call.CancellationToken))
                {
                    hash.AppendData(chunk);
                }

                return hash.GetHashAndReset();
            });
            context.AddUnaryMethod(Stall, [], static async (_, _, call) =>
            {
                await Task.Delay(Timeout.Infinite, call.CancellationToken);
                return [];
            });
        }
    }
}
