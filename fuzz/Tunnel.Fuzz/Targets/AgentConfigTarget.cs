using Tunnel.Agent.Configuration;
using static Tunnel.Fuzz.FuzzText;

namespace Tunnel.Fuzz.Targets;

/// <summary>
/// The agent's JSON configuration file (<see cref="AgentConfigurationLoader.Parse"/>, what <c>Load</c> runs
/// on the file's text): an <see cref="AgentConfigurationException"/> that names the file, or settings that,
/// written back in the file's format, load to the same settings (the written text equal).
/// </summary>
internal sealed class AgentConfigTarget : IFuzzTarget
{
    private const string Source = "agent.json";

    /// <summary>A directory that does not exist, so a relative <c>tunnel.file</c> names nothing.</summary>
    private static readonly string Directory = Path.Combine(Path.GetTempPath(), "tunnel-fuzz-no-such-directory");

    public string Name => "agent-config";

    public void Run(ReadOnlySpan<byte> data)
    {
        AgentSettings settings;
        try
        {
            settings = AgentConfigurationLoader.Parse(Decode(data), Source, Directory);
        }
        catch (AgentConfigurationException error)
        {
            Require(error.Message.Length > 0, "an error without a message");
            return;
        }

        string written = AgentSettingsWriter.Write(settings);
        AgentSettings again;
        try
        {
            again = AgentConfigurationLoader.Parse(written, Source, Directory);
        }
        catch (AgentConfigurationException error)
        {
            throw new FuzzInvariantException($"the settings written back do not load ({error.Message}):\n{written}");
        }

        string rewritten = AgentSettingsWriter.Write(again);
        Require(rewritten == written, $"the settings do not round-trip:\n{written}\n---\n{rewritten}");
        Require(AgentSettings.Names.All(name => settings.SourceOf(name) == again.SourceOf(name)), "a setting's source changed in the round trip");
    }
}
