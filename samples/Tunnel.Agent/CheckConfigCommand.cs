using Tunnel.Agent.Configuration;

namespace Tunnel.Agent;

/// <summary>
/// <c>tunnel-agent check-config FILE</c>: reads an agent configuration as the agent would, and prints each
/// setting's effective value and where it came from, or the first mistake with its line or JSON path
/// (exit 1), so a file can be checked before the agent uses it.
/// </summary>
internal static class CheckConfigCommand
{
    public static int Run(string path)
    {
        AgentSettings settings;
        try
        {
            settings = AgentConfigurationLoader.Load(path);
        }
        catch (AgentConfigurationException exception)
        {
            Console.Error.WriteLine($"tunnel-agent: {exception.Message}");
            return 1;
        }

        foreach (string warning in settings.Warnings)
        {
            Console.Error.WriteLine($"tunnel-agent: {warning}");
        }

        Console.WriteLine($"{path}: valid");
        foreach (string name in AgentSettings.Names)
        {
            Console.WriteLine($"  {name,-20} {settings.Describe(name),-50} ({AgentSettings.SourceName(settings.SourceOf(name))})");
        }

        return 0;
    }
}
