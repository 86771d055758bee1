using System.Text.Json;
using Tunnel.Configuration;

namespace Tunnel.Agent.Configuration;

/// <summary>
/// The configuration file's <c>tunnel</c>: a wg-quick <c>.conf</c> (a file or its text) checked for keys the
/// agent does not run, parsed without its private key, which the settings only know how to read again.
/// </summary>
internal static partial class AgentConfigurationLoader
{
    private static (WireGuardConfiguration Configuration, string? File, TunnelKeySource Key) ReadTunnel(Reader reader, JsonElement tunnel, string directory, string? configPath)
    {
        var value = reader.Object(tunnel, "$.tunnel", ["file", "text"]);
        bool hasFile = value.TryGetProperty("file", out var file), hasText = value.TryGetProperty("text", out var text);
        if (hasFile == hasText)
        {
            throw reader.Error("$.tunnel", "needs exactly one of \"file\" (a wg-quick .conf) and \"text\" (its contents)");
        }

        string origin;
        string conf;
        if (hasFile)
        {
            origin = Path.Combine(directory, reader.String(file, "$.tunnel.file"));
            try
            {
                conf = File.ReadAllText(origin);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw reader.Error("$.tunnel.file", exception.Message);
            }
        }
        else
        {
            origin = $"{reader.Source} $.tunnel.text";
            conf = reader.String(text, "$.tunnel.text");
        }

        if (UnsupportedConfKeys.Find(conf) is var (key, line))
        {
            throw new AgentConfigurationException(UnsupportedConfKeys.Message(origin, key, line) + ".");
        }

        // The settings keep the configuration without its private key (see TunnelKeySource): the parser never sees it.
        var keyAt = TunnelKeySource.Find(conf);
        if (!WireGuardConfiguration.TryParse(TunnelKeySource.WithoutPrivateKey(conf), out var configuration, out var error))
        {
            throw new AgentConfigurationException($"{origin}: {error.Message}", error);
        }

        if (keyAt is not { } at || configuration.Peers.Count == 0)
        {
            throw new AgentConfigurationException($"{origin}: the tunnel needs a PrivateKey and a [Peer] (the gateway).");
        }

        if (!Tunnel.Core.Crypto.PrivateKey.TryParse(conf.AsSpan(at.Start, at.Length), out var privateKey))
        {
            throw new AgentConfigurationException($"{origin}: line {at.Line}: PrivateKey is not a key (44 characters of base64, as wg genkey prints).");
        }

        var publicKey = privateKey.GetPublicKey();
        privateKey.Clear();
        string conf0 = conf;
        Func<string> readConf = hasFile ? () => File.ReadAllText(origin)
            : configPath is not null ? () => ReadTunnelText(configPath)
            : () => conf0;
        return (configuration, hasFile ? origin : null, new TunnelKeySource(hasFile ? origin : configPath ?? origin, readConf, publicKey));
    }

    /// <summary>The <c>tunnel.text</c> of the configuration file at <paramref name="path"/>, read again.</summary>
    private static string ReadTunnelText(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return document.RootElement.GetProperty("tunnel").GetProperty("text").GetString() ?? throw new InvalidOperationException("$.tunnel.text is not a string");
    }
}
