namespace Tunnel.Controller;

/// <summary>The controller's log messages.</summary>
internal static partial class ControllerLog
{
    [LoggerMessage(1, LogLevel.Information, "Device {Device} ({Name}) of {Account} enrolled for {User} at {Address}")]
    public static partial void Enrolled(ILogger logger, Guid device, string name, string account, string user, string address);

    [LoggerMessage(2, LogLevel.Warning, "The gateway did not take device {Key} back: {Error}")]
    public static partial void GatewayRefusedRestore(ILogger logger, string key, string error);

    [LoggerMessage(3, LogLevel.Information, "{Count} enrolled devices are peers of the gateway")]
    public static partial void GatewayRestored(ILogger logger, int count);

    [LoggerMessage(4, LogLevel.Warning, "Listening for other replicas' changes failed; trying again in 2 s")]
    public static partial void ListenFailed(ILogger logger, Exception error);
}
