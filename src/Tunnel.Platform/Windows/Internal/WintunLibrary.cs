using System.Runtime.InteropServices;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>
/// Loads <c>wintun.dll</c> from one directory before its first call, so that a missing file is a clear error
/// naming where it was looked for and where it comes from, rather than a bare <see cref="DllNotFoundException"/>
/// from the first P/Invoke.
/// </summary>
internal static class WintunLibrary
{
    private static readonly Lock Gate = new();
    private static nint _handle;

    /// <summary>Loads the library from <paramref name="directory"/> once; later calls do nothing.</summary>
    /// <exception cref="DllNotFoundException">The file is missing there, or is not a loadable library for this process.</exception>
    public static void EnsureLoaded(string directory)
    {
        lock (Gate)
        {
            if (_handle != 0)
            {
                return;
            }

            string path = Path.Combine(directory, Interop.Windows.Interop.Wintun);
            if (!File.Exists(path))
            {
                throw new DllNotFoundException(MissingMessage(path));
            }

            if (!NativeLibrary.TryLoad(path, out _handle))
            {
                throw new DllNotFoundException($"{path} exists but cannot be loaded: it must be the {RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()} build of Wintun, from https://www.wintun.net/.");
            }
        }
    }

    /// <summary>What a missing <c>wintun.dll</c> is reported as.</summary>
    public static string MissingMessage(string path) =>
        $"wintun.dll was not found at {path}. Windows tunnels need Wintun's library beside the application: download it from https://www.wintun.net/ and copy bin/{ArchitectureFolder(RuntimeInformation.ProcessArchitecture)}/wintun.dll there.";

    /// <summary>The folder of Wintun's release archive that holds the build for <paramref name="architecture"/>.</summary>
    public static string ArchitectureFolder(Architecture architecture) => architecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "x86",
        Architecture.Arm => "arm",
        _ => architecture.ToString().ToLowerInvariant(),
    };
}
