using System.Security.Cryptography;
using System.Text;

namespace Tunnel.Controller.Auth;

/// <summary>
/// The controller's secrets (API tokens, enrolment tokens, device credentials): 32 random bytes, base64url, with a
/// prefix that says which; stored only as their SHA-256, so a copy of the database enrols and administers nothing.
/// </summary>
internal static class Secrets
{
    public const string ApiTokenPrefix = "tca_";

    public const string EnrolmentTokenPrefix = "tce_";

    public const string DeviceCredentialPrefix = "tcd_";

    public static string New(string prefix) => prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The SHA-256 of <paramref name="secret"/>, in lowercase hexadecimal.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>The bearer token of a request, or null.</summary>
    public static string? Bearer(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        return header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }
}
