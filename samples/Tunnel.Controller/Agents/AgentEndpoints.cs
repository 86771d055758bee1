using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Tunnel.ControlPlane;
using Tunnel.Controller.Api;
using Tunnel.Controller.Auth;
using Tunnel.Controller.Data;
using Tunnel.Controller.Gateway;
using Tunnel.Controller.Policy;
using Tunnel.Core.Crypto;

namespace Tunnel.Controller.Agents;

/// <summary>
/// What agents call. <c>POST /agent/v1/enrol</c> with an enrolment token registers the device (its key, its facts, its
/// user), assigns its tunnel address, adds it to the gateway and answers with its tunnel configuration and credential.
/// With that credential (<c>Authorization: Bearer</c>): <c>GET /agent/v1/policy</c> (the policy now),
/// <c>GET /agent/v1/policy/stream</c> (server-sent events: the whole policy first, then again after every change; an
/// agent that reconnects with <c>Last-Event-ID</c> gets it only if it changed; a <c>revoked</c> event ends it), and
/// <c>POST /agent/v1/telemetry</c> (last seen, version, tunnel statistics).
/// </summary>
internal static class AgentEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder agent = app.MapGroup("/agent/v1");
        agent.MapPost("/enrol", EnrolAsync);
        agent.MapGet("/policy", PolicyAsync);
        agent.MapGet("/policy/stream", StreamAsync);
        agent.MapPost("/telemetry", TelemetryAsync);
    }

    private static async Task<IResult> EnrolAsync(
        EnrolmentRequest? request, PolicyStore store, IGatewayPeers gateway, AddressPool pool, IOptions<ControllerOptions> options, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        ControllerDbContext database = store.Database;
        if (request?.Token is not { Length: > 0 } secret)
        {
            return Answers.Error(StatusCodes.Status401Unauthorized, Answers.Unauthenticated, "token: an enrolment token is required.");
        }

        string hash = Secrets.Hash(secret);
        EnrolmentToken? token = await database.EnrolmentTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Hash == hash, cancellationToken).ConfigureAwait(false);
        if (token is null || token.Expires <= store.Now)
        {
            return Answers.Error(StatusCodes.Status401Unauthorized, Answers.Unauthenticated, "The enrolment token is not valid (unknown, deleted or expired).");
        }

        if (request.PublicKey is null || !PublicKey.TryParse(request.PublicKey, out PublicKey key))
        {
            return Answers.Invalid("public_key: the device's WireGuard public key, base64, is required.");
        }

        string? fieldError = CheckFacts(request);
        if (fieldError is not null)
        {
            return Answers.Invalid(fieldError);
        }

        string publicKey = key.ToBase64String();
        if (await database.Devices.AnyAsync(d => d.AccountId == token.AccountId && d.Key == publicKey, cancellationToken).ConfigureAwait(false))
        {
            return Answers.Error(StatusCodes.Status409Conflict, Answers.Conflict, "public_key: a device with this key is enrolled already; revoke it first, or enrol with a new key.");
        }

        await store.EnsureAccountAsync(token.AccountId, cancellationToken).ConfigureAwait(false);
        string credential = Secrets.New(Secrets.DeviceCredentialPrefix);
        DateTimeOffset now = store.Now;
        var device = new Device
        {
            Id = Guid.NewGuid(),
            AccountId = token.AccountId,
            Key = publicKey,
            Ip = "",
            CredentialHash = Secrets.Hash(credential),
            Name = request.Name?.Trim() ?? "",
            DeviceType = request.DeviceType?.Trim() ?? "",
            Model = request.Model?.Trim() ?? "",
            OsVersion = request.OsVersion?.Trim() ?? "",
            SerialNumber = request.SerialNumber?.Trim() ?? "",
            MacAddress = request.MacAddress?.Trim() ?? "",
            Version = request.Version?.Trim() ?? "",
            UserId = token.UserId,
            UserEmail = token.UserEmail,
            UserGroups = token.UserGroups,
            Created = now,
            Updated = now,
            LastSeen = now,
        };

        // An address no other device has: a random one, the unique index settling a race with another replica.
        for (int attempt = 0; ; attempt++)
        {
            device.Ip = pool.Next().ToString();
            if (await database.Devices.AnyAsync(d => d.Ip == device.Ip, cancellationToken).ConfigureAwait(false))
            {
                if (attempt < 64)
                {
                    continue;
                }

                return Answers.Error(StatusCodes.Status409Conflict, Answers.Conflict, $"The tunnel's address space {pool.Network} has no free address.");
            }

            // Applied to the gateway before it is stored, and taken back from the gateway if storing fails: an
            // enrolment either gives the device a working tunnel or leaves nothing behind.
            try
            {
                await gateway.AddAsync(device.Key, device.Ip, cancellationToken).ConfigureAwait(false);
            }
            catch (GatewayException error)
            {
                return Answers.Error(StatusCodes.Status502BadGateway, Answers.Conflict, $"The gateway did not take the device: {error.Message}");
            }

            try
            {
                database.Devices.Add(device);
                await database.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (DbUpdateException) when (attempt < 64)
            {
                database.ChangeTracker.Clear();
                await gateway.RemoveAsync(device.Key, CancellationToken.None).ConfigureAwait(false);
                if (await database.Devices.AnyAsync(d => d.AccountId == device.AccountId && d.Key == device.Key, cancellationToken).ConfigureAwait(false))
                {
                    return Answers.Error(StatusCodes.Status409Conflict, Answers.Conflict, "public_key: a device with this key is enrolled already.");
                }
            }
        }

        ControllerLog.Enrolled(logs.CreateLogger("Tunnel.Controller.Enrolment"), device.Id, device.Name, device.AccountId, device.UserEmail, device.Ip);
        GatewayOptions gatewayOptions = options.Value.Gateway;
        string? gatewayKey = await gateway.GetPublicKeyAsync(cancellationToken).ConfigureAwait(false);
        GatewayPeer? peer = gatewayKey is null ? null : new GatewayPeer(
            gatewayKey,
            gatewayOptions.Endpoint,
            gatewayOptions.AllowedIPs.Count > 0 ? gatewayOptions.AllowedIPs : [pool.Network.ToString()],
            gatewayOptions.PersistentKeepalive);
        return Answers.Created(new EnrolmentResponse(device.Id, credential, $"{device.Ip}/32", gatewayOptions.Dns, peer));
    }

    private static async Task<IResult> PolicyAsync(HttpContext http, PolicyStore store, SnapshotBuilder snapshots, PolicyChangeHub hub, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        if (await AuthenticateAsync(http, store.Database, cancellationToken).ConfigureAwait(false) is not { } device)
        {
            return Unauthenticated();
        }

        PolicySnapshot? snapshot = await snapshots.BuildAsync(scopes, hub, device.AccountId, device.Id, cancellationToken).ConfigureAwait(false);
        return snapshot is null ? Unauthenticated() : Answers.Ok(snapshot);
    }

    /// <remarks>
    /// A stream holds no database context while it waits (thousands wait at once): it reads its device once, in a scope
    /// of its own, and then only the snapshots it is woken for, which its account's streams share.
    /// </remarks>
    private static async Task StreamAsync(HttpContext http, IServiceScopeFactory scopes, SnapshotBuilder snapshots, PolicyChangeHub hub, StreamSlots slots, TimeProvider time, IOptions<ControllerOptions> options)
    {
        CancellationToken aborted = http.RequestAborted;
        (Guid Id, string AccountId)? device;
        SnapshotBuilder.DeviceUser? user = null;
        await using (AsyncServiceScope scope = scopes.CreateAsyncScope())
        {
            var database = scope.ServiceProvider.GetRequiredService<ControllerDbContext>();
            device = await AuthenticateAsync(http, database, aborted).ConfigureAwait(false);
            if (device is { } known)
            {
                DateTimeOffset now = time.GetUtcNow();
                await database.Devices.Where(d => d.Id == known.Id).ExecuteUpdateAsync(set => set.SetProperty(d => d.LastSeen, now), aborted).ConfigureAwait(false);
                user = await SnapshotBuilder.UserAsync(database, known.AccountId, known.Id, aborted).ConfigureAwait(false);
            }
        }

        if (device is not { } enrolled || user is null)
        {
            await Unauthenticated().ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        using IDisposable? slot = slots.TryTake(enrolled.Id);
        if (slot is null)
        {
            await Answers.Error(StatusCodes.Status429TooManyRequests, Answers.Conflict, $"This device holds {StreamSlots.PerDevice} policy streams open already; close one first.").ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        long sent = long.TryParse(http.Request.Headers["Last-Event-ID"], NumberStyles.None, CultureInfo.InvariantCulture, out long resumed) ? resumed : -1;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        using PolicyChangeHub.Subscription changes = hub.Subscribe(enrolled.AccountId); // before the first read, so no change falls between
        try
        {
            await http.Response.WriteAsync(": policy stream\n\n", aborted).ConfigureAwait(false);
            await http.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
            while (!aborted.IsCancellationRequested)
            {
                long generation = hub.Generation(enrolled.AccountId);
                PolicySnapshot? snapshot = await snapshots.BuildAsync(scopes, enrolled.AccountId, enrolled.Id, user, generation, aborted).ConfigureAwait(false);
                if (snapshot is null)
                {
                    await http.Response.WriteAsync("event: revoked\ndata: {}\n\n", aborted).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
                    return;
                }

                if (snapshot.Version != sent)
                {
                    string json = JsonSerializer.Serialize(snapshot, ControllerJsonContext.Default.PolicySnapshot);
                    await http.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"event: policy\nid: {snapshot.Version}\ndata: {json}\n\n"), aborted).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
                    sent = snapshot.Version;
                }

                while (!await changes.WaitAsync(options.Value.StreamHeartbeat, aborted).ConfigureAwait(false))
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", aborted).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The agent went away.
        }
    }

    private static async Task<IResult> TelemetryAsync(HttpContext http, TelemetryReport? report, PolicyStore store, CancellationToken cancellationToken)
    {
        if (await AuthenticateAsync(http, store.Database, cancellationToken).ConfigureAwait(false) is not { } device)
        {
            return Unauthenticated();
        }

        if (report is null || report.Version is { Length: > 64 } || report.RxBytes < 0 || report.TxBytes < 0)
        {
            return Answers.Invalid("The body must be a report: version (up to 64 characters), rx_bytes and tx_bytes (not negative), last_handshake.");
        }

        string statistics = JsonSerializer.Serialize(report, ControllerJsonContext.Default.TelemetryReport);
        DateTimeOffset now = store.Now;
        await store.Database.Devices.Where(d => d.Id == device.Id).ExecuteUpdateAsync(
            set => set.SetProperty(d => d.LastSeen, now).SetProperty(d => d.Statistics, statistics).SetProperty(d => d.Version, d => report.Version ?? d.Version),
            cancellationToken).ConfigureAwait(false);
        return Answers.Ok(new IdModel(device.Id));
    }

    private static string? CheckFacts(EnrolmentRequest request)
    {
        foreach ((string field, string? value) in new[]
        {
            ("name", request.Name), ("device_type", request.DeviceType), ("model", request.Model), ("os_version", request.OsVersion),
            ("serial_number", request.SerialNumber), ("mac_address", request.MacAddress), ("version", request.Version),
        })
        {
            if (value is { Length: > 200 } || (value is not null && value.Any(char.IsControl)))
            {
                return $"{field}: up to 200 characters, none of them control characters.";
            }
        }

        return null;
    }

    private static async Task<(Guid Id, string AccountId)?> AuthenticateAsync(HttpContext http, ControllerDbContext database, CancellationToken cancellationToken)
    {
        if (Secrets.Bearer(http.Request) is not { } credential)
        {
            return null;
        }

        string hash = Secrets.Hash(credential);
        var device = await database.Devices.AsNoTracking().Where(d => d.CredentialHash == hash).Select(d => new { d.Id, d.AccountId }).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return device is null ? null : (device.Id, device.AccountId);
    }

    private static IResult Unauthenticated() =>
        Answers.Error(StatusCodes.Status401Unauthorized, Answers.Unauthenticated, "A device credential is required (the one enrolment gave), and the device must still be enrolled.");
}
