using Tunnel.Agent.Configuration;
using static Tunnel.Fuzz.FuzzText;

namespace Tunnel.Fuzz.Targets;

/// <summary>
/// The agent's local-settings file (<see cref="AgentLocalSettings.Apply"/>), which the agent rewrites after
/// each local API change and reads at start, laid over a configuration: an
/// <see cref="AgentConfigurationException"/>, or settings where only the four API-changeable settings
/// changed (source <c>local</c>), that <see cref="AgentLocalSettings.Serialize"/> writes to a file that
/// applies to the same settings (the written bytes equal).
/// </summary>
internal sealed class AgentLocalSettingsTarget : IFuzzTarget
{
    private static readonly string Directory = CreateDirectory();
    private static readonly string File = Path.Combine(Directory, "local-settings.json");

    private static readonly AgentSettings Base = AgentConfigurationLoader.Parse(
        """
        {
          "interface": "fuzz0",
          "tunnel": { "text": "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nAddress = 10.64.0.2/32\n\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nEndpoint = 203.0.113.7:51820\nAllowedIPs = 0.0.0.0/0\n" },
          "mode": "exclude",
          "splitTunnel": [ { "entry": "10.0.0.0/8", "description": "LAN" } ],
          "dns": { "upstreams": [ "192.0.2.53" ], "listen": "127.0.2.2:53" }
        }
        """,
        "agent.json",
        Directory);

    public string Name => "agent-local-settings";

    public void Run(ReadOnlySpan<byte> data)
    {
        System.IO.File.WriteAllBytes(File, data);
        AgentSettings settings;
        try
        {
            settings = AgentLocalSettings.Apply(Base, File);
        }
        catch (AgentConfigurationException error)
        {
            Require(error.Message.Length > 0, "an error without a message");
            return;
        }

        foreach (string name in AgentSettings.Names)
        {
            bool local = AgentLocalSettings.Names.Contains(name);
            SettingSource source = settings.SourceOf(name);
            Require(source == Base.SourceOf(name) || (local && source == SettingSource.Local), $"'{name}' changed source to {source}");
            Require(local || settings.Describe(name) == Base.Describe(name), $"'{name}', not changeable through the API, changed");
        }

        byte[] written = AgentLocalSettings.Serialize(settings);
        System.IO.File.WriteAllBytes(File, written);
        AgentSettings again;
        try
        {
            again = AgentLocalSettings.Apply(Base, File);
        }
        catch (AgentConfigurationException error)
        {
            throw new FuzzInvariantException($"the local settings written back do not load ({error.Message}):\n{FuzzText.Decode(written)}");
        }

        Require(AgentLocalSettings.Serialize(again).AsSpan().SequenceEqual(written), $"the local settings do not round-trip:\n{FuzzText.Decode(written)}");
        Require(AgentSettings.Names.All(name => again.Describe(name) == settings.Describe(name)), "a setting differs after the round trip");
    }

    /// <summary>On tmpfs where there is one (the file is written twice per input, and a disk makes that the slowest part), removed at exit.</summary>
    private static string CreateDirectory()
    {
        string directory = System.IO.Directory.Exists("/dev/shm")
            ? System.IO.Directory.CreateDirectory(Path.Combine("/dev/shm", $"tunnel-fuzz-{Environment.ProcessId}")).FullName
            : System.IO.Directory.CreateTempSubdirectory("tunnel-fuzz-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.Directory.Delete(directory, recursive: true);
        return directory;
    }
}
