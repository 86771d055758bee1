using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux;

/// <summary>Process-level calls a daemon needs on Linux.</summary>
[SupportedOSPlatform("linux")]
public static class LinuxProcess
{
    /// <summary>
    /// Starts a new session (<c>setsid</c>) so the process has no controlling terminal and no hang-up from
    /// the shell that started it: the last step of daemonizing.
    /// </summary>
    /// <exception cref="IOException">The process already leads a process group.</exception>
    public static void StartSession()
    {
        if (SetSid() < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot start a session: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
        }
    }
}
