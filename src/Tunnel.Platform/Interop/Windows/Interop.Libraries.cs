namespace Tunnel.Platform.Interop.Windows;

/// <summary>The native libraries the Windows adapters call.</summary>
internal static partial class Interop
{
    /// <summary>
    /// Wintun's user-mode library, which the application ships beside itself (it is not on NuGet): loaded only
    /// from the application's directory, never from the search path, so another copy cannot be planted.
    /// </summary>
    public const string Wintun = "wintun.dll";

    /// <summary>The IP Helper API.</summary>
    public const string IpHlpApi = "iphlpapi.dll";

    /// <summary>The Win32 error codes the adapters act on (winerror.h).</summary>
    public static class Errors
    {
        public const int ERROR_SUCCESS = 0;
        public const int ERROR_FILE_NOT_FOUND = 2;
        public const int ERROR_INVALID_DATA = 13;
        public const int ERROR_HANDLE_EOF = 38;
        public const int ERROR_INVALID_PARAMETER = 87;
        public const int ERROR_BUFFER_OVERFLOW = 111;
        public const int ERROR_PROC_NOT_FOUND = 127;
        public const int ERROR_NO_MORE_ITEMS = 259;
        public const int ERROR_NOT_FOUND = 1168;
        public const int ERROR_OBJECT_ALREADY_EXISTS = 5010;
    }
}
