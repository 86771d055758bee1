namespace Tunnel.Uapi;

/// <summary>The negative errno values the UAPI protocol answers with (<c>errno=-22</c>), as wireguard-go uses them.</summary>
public static class UapiErrno
{
    /// <summary>Success.</summary>
    public const int None = 0;

    /// <summary>-EINVAL: a key the operation does not know, or a value that does not parse.</summary>
    public const int InvalidArgument = -22;

    /// <summary>-EPROTO: a line that is not <c>key=value</c>.</summary>
    public const int ProtocolError = -71;

    /// <summary>-EADDRINUSE: the listen port cannot be bound.</summary>
    public const int AddressInUse = -98;

    /// <summary>-EIO: the request or answer could not be read or written.</summary>
    public const int IOError = -5;
}
