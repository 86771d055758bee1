using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Darwin;

/// <summary>
/// How a variadic C function (<c>ioctl</c>, <c>fcntl</c>) takes its variadic argument. Apple's arm64 ABI passes
/// every variadic argument on the stack, where the standard arm64 and x86-64 ABIs use the next register; a
/// P/Invoke cannot be variadic, so on Apple arm64 the call is declared with dummy arguments that fill the eight
/// argument registers and push the real one onto the stack, where the callee reads it.
/// </summary>
internal static class VariadicCall
{
    /// <summary>Whether this process must pass variadic arguments on the stack.</summary>
    public static bool OnStack { get; } = IsStackConvention(OperatingSystem.IsMacOS() || OperatingSystem.IsIOS() || OperatingSystem.IsTvOS() || OperatingSystem.IsMacCatalyst(), RuntimeInformation.ProcessArchitecture);

    /// <summary>The rule, apart from the running process, for tests.</summary>
    /// <param name="apple">Whether the OS is one of Apple's.</param>
    /// <param name="architecture">The process architecture.</param>
    /// <returns>Whether variadic arguments go on the stack.</returns>
    public static bool IsStackConvention(bool apple, Architecture architecture) => apple && architecture == Architecture.Arm64;
}
