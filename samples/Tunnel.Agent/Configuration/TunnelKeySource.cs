using Tunnel.Core.Crypto;

namespace Tunnel.Agent.Configuration;

/// <summary>
/// Where the tunnel's private key is, rather than the key itself: the agent keeps only the public key in its
/// settings and reads the private key afresh at each connect, straight into the options it hands the device
/// (which wipes it when the connection closes). So a disconnected agent holds no private key in memory at all,
/// however long it runs and however often its status is read.
/// </summary>
internal sealed class TunnelKeySource
{
    private readonly Func<string> _readConf;

    /// <summary>A source that reads the wg-quick text with <paramref name="readConf"/> each time.</summary>
    /// <param name="origin">The file (or configuration path) the text comes from, for messages.</param>
    /// <param name="readConf">Reads the wg-quick text again.</param>
    /// <param name="publicKey">The public key of the private key read at start.</param>
    public TunnelKeySource(string origin, Func<string> readConf, PublicKey publicKey)
    {
        Origin = origin;
        _readConf = readConf;
        PublicKey = publicKey;
    }

    /// <summary>Where the key is read from.</summary>
    public string Origin { get; }

    /// <summary>The key's public half, for status and posture.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>Reads the private key into <paramref name="key"/>; the caller wipes it when done.</summary>
    /// <exception cref="InvalidOperationException">The key is gone, malformed, or not the one the agent started with.</exception>
    public void Read(out PrivateKey key)
    {
        string conf;
        try
        {
            conf = _readConf();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{Origin}: the private key cannot be read again: {exception.Message}", exception);
        }

        if (Find(conf) is not { } found || !PrivateKey.TryParse(conf.AsSpan(found.Start, found.Length), out key))
        {
            throw new InvalidOperationException($"{Origin}: the private key is gone or malformed; restart the agent after fixing the file");
        }

        if (key.GetPublicKey() != PublicKey)
        {
            key.Clear();
            throw new InvalidOperationException($"{Origin}: the private key changed since the agent started; restart the agent to use the new one");
        }
    }

    /// <summary>
    /// Where the <c>[Interface]</c> section's <c>PrivateKey</c> value is in <paramref name="conf"/> (its last, as
    /// wg-quick takes the last), with its line (1-based), or <see langword="null"/> when it has none.
    /// </summary>
    public static (int Start, int Length, int Line)? Find(string conf)
    {
        (int, int, int)? found = null;
        bool inInterface = false;
        int lineStart = 0;
        for (int line = 1; lineStart <= conf.Length; line++)
        {
            int lineEnd = conf.IndexOf('\n', lineStart);
            if (lineEnd < 0)
            {
                lineEnd = conf.Length;
            }

            var text = conf.AsSpan(lineStart, lineEnd - lineStart);
            int comment = text.IndexOf('#');
            if (comment >= 0)
            {
                text = text[..comment];
            }

            var trimmed = text.Trim();
            if (trimmed.StartsWith("[", StringComparison.Ordinal))
            {
                inInterface = trimmed.Equals("[Interface]", StringComparison.OrdinalIgnoreCase);
            }
            else if (inInterface && text.IndexOf('=') is > 0 and int equals && text[..equals].Trim().Equals("PrivateKey", StringComparison.OrdinalIgnoreCase))
            {
                var value = text[(equals + 1)..];
                int leading = value.Length - value.TrimStart().Length;
                found = (lineStart + equals + 1 + leading, value.Trim().Length, line);
            }

            lineStart = lineEnd + 1;
        }

        return found;
    }

    /// <summary><paramref name="conf"/> with every <c>[Interface]</c> <c>PrivateKey</c> line blanked (line numbers kept), for the parser that need not see it.</summary>
    public static string WithoutPrivateKey(string conf)
    {
        var lines = conf.Split('\n');
        bool inInterface = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string text = lines[i];
            int comment = text.IndexOf('#', StringComparison.Ordinal);
            string code = (comment >= 0 ? text[..comment] : text).Trim();
            if (code.StartsWith('['))
            {
                inInterface = code.Equals("[Interface]", StringComparison.OrdinalIgnoreCase);
            }
            else if (inInterface && code.IndexOf('=', StringComparison.Ordinal) is > 0 and int equals && code[..equals].Trim().Equals("PrivateKey", StringComparison.OrdinalIgnoreCase))
            {
                lines[i] = string.Empty;
            }
        }

        return string.Join('\n', lines);
    }
}
