using System.Globalization;
using Tunnel.Demo;

// tunnel-demo [SECONDS]: no root, no TUN device, nothing installed.
return args switch
{
    [] => await DemoCommand.RunAsync(TimeSpan.FromSeconds(3)),
    [var seconds] when double.TryParse(seconds, CultureInfo.InvariantCulture, out double value) && value > 0
        => await DemoCommand.RunAsync(TimeSpan.FromSeconds(value)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("Usage: tunnel-demo [SECONDS]   (how long the traffic runs; 3 by default)");
    return 2;
}
