namespace Tunnel.Platform.Linux;

/// <summary>
/// systemd-resolved refused a request, or could not be reached on D-Bus. The message names the method, the
/// link and the D-Bus error, for example
/// <c>systemd-resolved refused SetLinkDNS for link tun0 (index 7): org.freedesktop.DBus.Error.AccessDenied: Access denied</c>.
/// </summary>
public sealed class SystemdResolvedException : IOException
{
    /// <summary>Creates an exception with a generic message.</summary>
    public SystemdResolvedException()
        : base("A systemd-resolved request failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">The message.</param>
    public SystemdResolvedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SystemdResolvedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a method call that failed.</summary>
    /// <param name="method">The <c>org.freedesktop.resolve1.Manager</c> method, for example <c>SetLinkDNS</c>.</param>
    /// <param name="errorName">The D-Bus error name, for example <c>org.freedesktop.DBus.Error.AccessDenied</c>; <see langword="null"/> when the bus could not be reached.</param>
    /// <param name="message">The message, naming the method, the link and the error.</param>
    /// <param name="innerException">The cause.</param>
    public SystemdResolvedException(string method, string? errorName, string message, Exception innerException)
        : base(message, innerException)
    {
        Method = method;
        ErrorName = errorName;
    }

    /// <summary>The method that failed, for example <c>SetLinkDomains</c>; <see langword="null"/> when not known.</summary>
    public string? Method { get; }

    /// <summary>
    /// The D-Bus error systemd-resolved or the bus answered with, for example
    /// <c>org.freedesktop.DBus.Error.AccessDenied</c> (not allowed: run as root or with polkit's consent) or
    /// <c>org.freedesktop.DBus.Error.ServiceUnknown</c> (systemd-resolved is not running);
    /// <see langword="null"/> when the bus itself could not be reached.
    /// </summary>
    public string? ErrorName { get; }
}
