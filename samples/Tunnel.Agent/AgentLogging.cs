using Microsoft.Extensions.Logging;

namespace Tunnel.Agent;

/// <summary>Logging as wireguard-go configures it: <c>LOG_LEVEL</c> = verbose, error (the default) or silent.</summary>
internal static class AgentLogging
{
    public static ILoggerFactory Create(bool toConsole)
    {
        LogLevel level = Environment.GetEnvironmentVariable("LOG_LEVEL") switch
        {
            "verbose" or "debug" => LogLevel.Debug,
            "silent" => LogLevel.None,
            _ => LogLevel.Error,
        };
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(level);
            if (toConsole)
            {
                builder.AddSimpleConsole(options =>
                {
                    options.SingleLine = true;
                    options.TimestampFormat = "yyyy/MM/dd HH:mm:ss ";
                });
            }
        });
    }
}
