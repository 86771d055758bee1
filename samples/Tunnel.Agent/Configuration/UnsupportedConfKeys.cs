namespace Tunnel.Agent.Configuration;

/// <summary>
/// The wg-quick keys the agent does not run: the shell hooks and <c>SaveConfig</c> (it never writes the file
/// back). (<c>Table</c> it runs: it names the agent's own routing table.) The library's parser keeps them so a file
/// round-trips; the agent refuses them by name and line, since ignoring them would silently skip what the
/// file asks for (a firewall rule in <c>PostUp</c>, say).
/// </summary>
internal static class UnsupportedConfKeys
{
    private static readonly string[] Keys = ["PreUp", "PostUp", "PreDown", "PostDown", "SaveConfig"];

    /// <summary>The first unsupported key in <paramref name="conf"/> and its line (1-based), or <see langword="null"/>.</summary>
    public static (string Key, int Line)? Find(string conf)
    {
        string[] lines = conf.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int comment = line.IndexOf('#', StringComparison.Ordinal);
            if (comment >= 0)
            {
                line = line[..comment];
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            string key = line[..equals].Trim();
            if (Keys.FirstOrDefault(known => string.Equals(known, key, StringComparison.OrdinalIgnoreCase)) is { } found)
            {
                return (found, i + 1);
            }
        }

        return null;
    }

    /// <summary>The message for <paramref name="key"/> at <paramref name="line"/> of <paramref name="origin"/>.</summary>
    public static string Message(string origin, string key, int line) =>
        $"{origin} line {line}: '{key}' is not supported by tunnel-agent ({Reason(key)}); remove it";

    private static string Reason(string key) => key switch
    {
        "SaveConfig" => "the agent never writes the file back",
        _ => "the agent runs no shell hooks",
    };
}
