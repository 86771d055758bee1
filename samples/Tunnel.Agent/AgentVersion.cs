using System.Reflection;
using System.Runtime.InteropServices;

namespace Tunnel.Agent;

internal static class AgentVersion
{
    public static string Text =>
        typeof(AgentVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static int Print()
    {
        Console.WriteLine($"""
            tunnel-agent v{Text}

            Userspace WireGuard daemon for {RuntimeInformation.OSDescription.Split(' ')[0].ToLowerInvariant()}-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}, built on Tunnel for .NET {Environment.Version}.
            """);
        return 0;
    }
}
