using Tunnel.Configuration.Internal;

namespace Tunnel.Configuration;

/// <summary>
/// A wg-quick configuration file (<c>wg0.conf</c>): one <c>[Interface]</c> section and any number of
/// <c>[Peer]</c> sections. Read with <see cref="Parse"/>, written with <see cref="ToString"/>.
/// </summary>
public sealed record WireGuardConfiguration
{
    /// <summary>The <c>[Interface]</c> section.</summary>
    public InterfaceConfiguration Interface { get; init; } = new();

    /// <summary>The <c>[Peer]</c> sections, in file order.</summary>
    public IReadOnlyList<PeerConfiguration> Peers { get; init; } = [];

    /// <summary>
    /// Reads a configuration file. Keys are case-insensitive, <c>#</c> starts a comment, list keys
    /// (<c>Address</c>, <c>DNS</c>, <c>AllowedIPs</c>, the hooks) may repeat and take comma-separated values.
    /// </summary>
    /// <param name="text">The file's contents.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="WireGuardConfigurationException">A line is malformed; the exception names it.</exception>
    public static WireGuardConfiguration Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ConfParser.Parse(text);
    }

    /// <summary>Reads a configuration file, reporting the first problem instead of throwing.</summary>
    /// <param name="text">The file's contents.</param>
    /// <param name="configuration">The configuration, when the method returns <see langword="true"/>.</param>
    /// <param name="error">The problem, with its line number, when the method returns <see langword="false"/>.</param>
    /// <returns>Whether the file is well formed.</returns>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WireGuardConfiguration? configuration, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out WireGuardConfigurationException? error)
    {
        try
        {
            configuration = Parse(text);
            error = null;
            return true;
        }
        catch (WireGuardConfigurationException e)
        {
            configuration = null;
            error = e;
            return false;
        }
    }

    /// <summary>The configuration in wg-quick's file format, keys in a fixed order; it parses back to an equal configuration.</summary>
    /// <returns>The file's contents. It contains the private and preshared keys: write it only where the key belongs.</returns>
    public string ToConfigurationText() => ConfWriter.Write(this, withKeys: true);

    /// <summary>
    /// The configuration in wg-quick's format with the private and preshared keys shown as <c>(hidden)</c>, so
    /// that logging or printing a configuration never leaks them; <see cref="ToConfigurationText"/> writes the file.
    /// </summary>
    /// <returns>The text, without secrets.</returns>
    public override string ToString() => ConfWriter.Write(this, withKeys: false);
}
