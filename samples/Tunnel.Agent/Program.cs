using Tunnel.Agent;

// The command line of wireguard-go, so wg-quick can start us in its place:
//   tunnel-agent [-f|--foreground] INTERFACE     tunnel-agent --version
// plus the self-contained demo that needs no root: tunnel-agent demo [seconds]
return args switch
{
    ["--version"] => AgentVersion.Print(),
    ["demo"] => await DemoCommand.RunAsync(TimeSpan.FromSeconds(3)),
    ["demo", var seconds] when double.TryParse(seconds, System.Globalization.CultureInfo.InvariantCulture, out double value) && value > 0
        => await DemoCommand.RunAsync(TimeSpan.FromSeconds(value)),
    ["check-config", var path] => CheckConfigCommand.Run(path),
    ["run", .. var rest] => await RunCommand.RunAsync(rest),
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
               tunnel-agent demo [SECONDS]
               tunnel-agent check-config FILE
               tunnel-agent run [--config FILE] [--connect]
               tunnel-agent cleanup [--config FILE]
        """);
    return 2;
}
