using Microsoft.EntityFrameworkCore;
using Tunnel.Controller.Data;
using Tunnel.Controller.Gateway;
using Tunnel.Controller.Policy;

namespace Tunnel.Controller.Api;

/// <summary>
/// The device list (<c>GET /accounts/{account}/devices?type=&amp;page=&amp;per_page=</c>), one device, and revocation
/// (<c>DELETE .../devices/{id}</c>, or <c>POST .../devices/revoke</c> with ids), which removes the device from the
/// gateway first, so its tunnel is cut at once, and then from the store.
/// </summary>
internal static class DeviceEndpoints
{
    /// <summary>The largest page.</summary>
    public const int MaxPerPage = 1000;

    private static readonly HashSet<string> Types = new(["windows", "mac", "linux", "android", "ios", "chromeos"], StringComparer.Ordinal);

    public static void Map(RouteGroupBuilder account)
    {
        account.MapGet("/devices", ListAsync);
        account.MapGet("/devices/{id:guid}", GetAsync);
        account.MapDelete("/devices/{id:guid}", RevokeOneAsync);
        account.MapPost("/devices/revoke", RevokeAsync);
    }

    private static async Task<IResult> ListAsync(string account, string? type, int? page, int? per_page, ControllerDbContext database, CancellationToken cancellationToken)
    {
        if (type is not null && !Types.Contains(type))
        {
            return Answers.Invalid($"type: '{type}' is not one of {string.Join(", ", Types)}.");
        }

        int number = page ?? 1, size = per_page ?? 50;
        if (number < 1 || size is < 1 or > MaxPerPage)
        {
            return Answers.Invalid($"page must be 1 or more, and per_page 1 to {MaxPerPage}.");
        }

        IQueryable<Device> devices = database.Devices.AsNoTracking().Where(d => d.AccountId == account);
        if (type is not null)
        {
            devices = devices.Where(d => d.DeviceType == type);
        }

        int total = await devices.CountAsync(cancellationToken).ConfigureAwait(false);
        List<Device> rows = await devices.OrderBy(d => d.Created).ThenBy(d => d.Id).Skip((number - 1) * size).Take(size).ToListAsync(cancellationToken).ConfigureAwait(false);
        return Answers.Ok<IReadOnlyList<DeviceModel>>([.. rows.Select(d => d.ToModel())], new ResultInfo(number, size, rows.Count, total));
    }

    private static async Task<IResult> GetAsync(string account, Guid id, ControllerDbContext database, CancellationToken cancellationToken)
    {
        Device? device = await database.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.AccountId == account && d.Id == id, cancellationToken).ConfigureAwait(false);
        return device is null ? Answers.Missing($"Device {id}") : Answers.Ok(device.ToModel());
    }

    private static async Task<IResult> RevokeOneAsync(string account, Guid id, PolicyStore store, IGatewayPeers gateway, CancellationToken cancellationToken)
    {
        IResult? failure = await RevokeAllAsync(account, [id], store, gateway, cancellationToken).ConfigureAwait(false);
        return failure ?? Answers.Ok(new IdModel(id));
    }

    private static async Task<IResult> RevokeAsync(string account, IReadOnlyList<Guid>? ids, PolicyStore store, IGatewayPeers gateway, CancellationToken cancellationToken)
    {
        if (ids is null || ids.Count is 0 or > MaxPerPage)
        {
            return Answers.Invalid($"The body must be a JSON array of 1 to {MaxPerPage} device ids.");
        }

        IResult? failure = await RevokeAllAsync(account, ids, store, gateway, cancellationToken).ConfigureAwait(false);
        return failure ?? Answers.Ok<IReadOnlyList<Guid>>(ids);
    }

    /// <returns>Null when every device is revoked; else the answer that says why none was.</returns>
    private static async Task<IResult?> RevokeAllAsync(string account, IReadOnlyList<Guid> ids, PolicyStore store, IGatewayPeers gateway, CancellationToken cancellationToken)
    {
        Guid[] distinct = [.. ids.Distinct()];
        List<Device> devices = await store.Database.Devices.Where(d => d.AccountId == account && distinct.Contains(d.Id)).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (devices.Count != distinct.Length)
        {
            Guid missing = distinct.First(id => devices.All(d => d.Id != id));
            return Answers.Missing($"Device {missing}"); // nothing revoked: the request is all or nothing
        }

        foreach (Device device in devices)
        {
            try
            {
                await gateway.RemoveAsync(device.Key, cancellationToken).ConfigureAwait(false);
            }
            catch (GatewayException error)
            {
                // Those removed already stay removed from the gateway; the store still lists them, so the revocation can be repeated.
                return Answers.Error(StatusCodes.Status502BadGateway, Answers.Conflict, $"Device {device.Id} could not be removed from the gateway: {error.Message}");
            }
        }

        await store.CommitAsync(account, () =>
        {
            store.Database.Devices.RemoveRange(devices);
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return null;
    }
}
