using System.Runtime.InteropServices;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux;

/// <summary>
/// The kernel refused a routing request (rtnetlink): an address, route, rule or link change. The message
/// names the operation and its object, the error and, where the kernel gave one, its reason, for example
/// <c>Adding route 10.0.0.0/8 dev tun0 table 51820: Network is down (ENETDOWN); the kernel says: Device for nexthop is not up</c>.
/// </summary>
public sealed class LinuxNetlinkException : IOException
{
    /// <summary>Creates an exception with a generic message.</summary>
    public LinuxNetlinkException()
        : base("A routing netlink request failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">The message.</param>
    public LinuxNetlinkException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public LinuxNetlinkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for an operation that failed with an errno.</summary>
    /// <param name="operation">What was attempted, with its object, for example <c>Adding route 10.0.0.0/8 dev tun0 table 51820</c>.</param>
    /// <param name="nativeErrorCode">The errno (positive).</param>
    /// <param name="kernelMessage">The kernel's reason (extended acknowledgement), or <see langword="null"/>.</param>
    public LinuxNetlinkException(string operation, int nativeErrorCode, string? kernelMessage)
        : base(Format(operation, nativeErrorCode, kernelMessage), nativeErrorCode)
    {
        NativeErrorCode = nativeErrorCode;
        KernelMessage = kernelMessage;
    }

    /// <summary>The errno the kernel answered with, for example 17 (<c>EEXIST</c>); 0 when not known.</summary>
    public int NativeErrorCode { get; }

    /// <summary>The kernel's own reason for the refusal (netlink extended acknowledgement), when it gave one.</summary>
    public string? KernelMessage { get; }

    private static string Format(string operation, int errno, string? kernelMessage)
    {
        string text = $"{operation}: {Marshal.GetPInvokeErrorMessage(errno)} ({Errors.Name(errno)})";
        return kernelMessage is null ? text : $"{text}; the kernel says: {kernelMessage}";
    }
}
