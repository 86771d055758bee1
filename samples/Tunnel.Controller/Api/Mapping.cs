using Tunnel.Controller.Data;

namespace Tunnel.Controller.Api;

/// <summary>Stored rows as the API shows them.</summary>
internal static class Mapping
{
    public static DeviceModel ToModel(this Device device) => new(
        device.Created, device.DeviceType, device.Id, device.Ip, device.Key, device.LastSeen, device.MacAddress, device.Model,
        device.Name, device.OsVersion, device.SerialNumber, device.Updated, new DeviceUser(device.UserEmail, device.UserId), device.Version);

    public static ProfileModel ToModel(this DeviceProfile profile) => new(
        profile.Id,
        profile.Name,
        profile.Description,
        profile.Match,
        profile.Precedence,
        profile.Enabled,
        profile.IsDefault,
        new ServiceModeModel(profile.ServiceMode),
        profile.AllowLocalChanges,
        profile.ListModel("include"),
        profile.ListModel("exclude"),
        profile.FallbackModel(),
        profile.Created,
        profile.Updated);

    public static IReadOnlyList<SplitTunnelModel> ListModel(this DeviceProfile profile, string list) =>
        [.. profile.SplitTunnel.Where(e => e.List == list).OrderBy(e => e.Position).Select(e => new SplitTunnelModel(e.Address, e.Host, e.Description))];

    public static IReadOnlyList<FallbackDomainModel> FallbackModel(this DeviceProfile profile) =>
        [.. profile.FallbackDomains.OrderBy(e => e.Position).Select(e => new FallbackDomainModel(e.Suffix, e.Description, e.DnsServers.Split('\n', StringSplitOptions.RemoveEmptyEntries)))];
}
