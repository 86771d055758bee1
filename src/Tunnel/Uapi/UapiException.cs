namespace Tunnel.Uapi;

/// <summary>A UAPI operation failed: the device answered a negative errno, or the answer was malformed.</summary>
public sealed class UapiException : Exception
{
    /// <summary>Creates an exception.</summary>
    public UapiException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public UapiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public UapiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for an errno answer.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="errno">The negative errno the device answered.</param>
    public UapiException(string message, int errno)
        : base(message) => Errno = errno;

    /// <summary>The negative errno the device answered (<see cref="UapiErrno"/>), or <see cref="UapiErrno.ProtocolError"/> for a malformed answer.</summary>
    public int Errno { get; } = UapiErrno.ProtocolError;
}
