namespace Tunnel.Agent.Configuration;

/// <summary>
/// Warns, as wg-quick does, when a file holding a private key can be read by others than its owner: the
/// agent still starts (the key is already out), but the operator learns it before someone else does.
/// </summary>
internal static class KeyFilePermissions
{
    private const UnixFileMode GroupAccess = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;
    private const UnixFileMode OtherAccess = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The warning for <paramref name="path"/>, or <see langword="null"/> when only its owner can use it (or on Windows).</summary>
    public static string? Warning(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return null;
        }

        var mode = File.GetUnixFileMode(path);
        string octal = Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
        return (mode & OtherAccess) != 0 ? $"Warning: `{path}' is world accessible (mode {octal}); it holds a private key: chmod 600 it"
            : (mode & GroupAccess) != 0 ? $"Warning: `{path}' is group accessible (mode {octal}); it holds a private key: chmod 600 it"
            : null;
    }
}
