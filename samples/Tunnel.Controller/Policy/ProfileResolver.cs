using Tunnel.Controller.Data;

namespace Tunnel.Controller.Policy;

/// <summary>Which profile applies to a device: the enabled profile with the lowest precedence whose match takes its user; else the default.</summary>
internal static class ProfileResolver
{
    public static DeviceProfile Resolve(IEnumerable<DeviceProfile> profiles, string email, IReadOnlyCollection<string> groups)
    {
        DeviceProfile? fallback = null;
        foreach (DeviceProfile profile in profiles.OrderBy(p => p.Precedence).ThenBy(p => p.Created).ThenBy(p => p.Id))
        {
            if (profile.IsDefault)
            {
                fallback = profile;
                continue;
            }

            if (profile.Enabled && MatchExpression.TryParse(profile.Match, out MatchExpression? match, out _) && match.Matches(email, groups))
            {
                return profile;
            }
        }

        return fallback ?? throw new InvalidOperationException("The account has no default profile.");
    }

    /// <summary>Groups as stored: one per line.</summary>
    public static string[] Groups(string stored) => stored.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
