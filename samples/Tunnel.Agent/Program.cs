using Tunnel.Agent;

// The command line of wireguard-go, so wg-quick can start us in its place:
//   tunnel-agent [-f|--foreground] INTERFACE     tunnel-agent --version
// plus the agent (run), its configuration check and its crash clean-up.
return args switch
{
    ["--version"] => AgentVersion.Print(),
    ["check-config", var path] => CheckConfigCommand.Run(path),
    ["run", .. var rest] => await RunCommand.RunAsync(rest),
    ["enroll", .. var rest] => await EnrollCommand.RunAsync(rest),
    ["cleanup", .. var rest] => await CleanupCommand.RunAsync(rest),
    ["-f" or "--foreground", var name] => await DaemonCommand.RunAsync(name, foreground: true),
    [var name] when !name.StartsWith('-') => await DaemonCommand.RunAsync(name, foreground: DaemonCommand.ForegroundRequested),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        Usage: tunnel-agent [-f/--foreground] INTERFACE-NAME
               tunnel-agent --version
               tunnel-agent check-config FILE
               tunnel-agent run [--config FILE] [--connect]
               tunnel-agent enroll --controller URL --token TOKEN --config FILE [--name NAME]
               tunnel-agent cleanup [--config FILE]
        """);
    return 2;
}
