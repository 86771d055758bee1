using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Tunnel.Controller.Tests;

/// <summary>An agent's side of <c>GET /agent/v1/policy/stream</c>: reads the server-sent events as they come.</summary>
public sealed class PolicyStreamReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private PolicyStreamReader(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    /// <summary>Keep-alive comments read so far.</summary>
    public int Comments { get; private set; }

    public static async Task<PolicyStreamReader> OpenAsync(HttpClient client, string credential, long? lastEventId = null) =>
        await TryOpenAsync(client, credential, lastEventId) ?? throw new InvalidOperationException("the controller refused the stream: too many open (429)");

    /// <summary>Opens the stream; null when the controller refuses it for the device's open streams (429).</summary>
    public static async Task<PolicyStreamReader?> TryOpenAsync(HttpClient client, string credential, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/agent/v1/policy/stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
        {
            response.Dispose();
            return null;
        }

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new PolicyStreamReader(response, new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken)));
    }

    /// <summary>The next event (its type, id and data), skipping comments; fails after <paramref name="within"/>.</summary>
    public async Task<(string Type, string? Id, JsonNode? Data)> NextAsync(TimeSpan within)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(within);
        string type = "message";
        string? id = null;
        string? data = null;
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(timeout.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException { InnerException: OperationCanceledException }
                && timeout.IsCancellationRequested && !TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                // The test server's response stream reports a read cancelled by the timeout either way, by how the
                // cancellation races its read: as the cancellation itself, or as an abort wrapping it.
                throw new TimeoutException($"no event within {within.TotalSeconds} s");
            }

            Assert.NotNull(line); // the stream ended
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    return (type, id, JsonNode.Parse(data));
                }

                continue;
            }

            if (line.StartsWith(':'))
            {
                Comments++;
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }
    }

    /// <summary>Reads for <paramref name="duration"/>, failing on any event (only comments may come).</summary>
    public async Task ExpectNoEventAsync(TimeSpan duration)
    {
        try
        {
            (string type, _, JsonNode? data) = await NextAsync(duration);
            Assert.Fail($"an event came: {type} {data?.ToJsonString()}");
        }
        catch (TimeoutException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
