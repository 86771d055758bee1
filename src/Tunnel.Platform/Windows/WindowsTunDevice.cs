using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tunnel.Platform.Interop.Windows;
using Tunnel.Platform.Windows.Internal;
using static Tunnel.Platform.Interop.Windows.Interop;

namespace Tunnel.Platform.Windows;

/// <summary>
/// A Wintun adapter (<c>wintun.dll</c>, which the application ships beside itself: see
/// <see href="https://www.wintun.net/"/>) with one session: packets are read from the receive ring in batches and
/// written into the send ring, and a read waits on the session's event, never spinning. The adapter is created
/// with the name asked for, and removed again when the device is disposed.
/// </summary>
/// <remarks>Needs an administrator. Removing the adapter from outside ends reads with an <see cref="IOException"/>.</remarks>
[SupportedOSPlatform("windows")]
public sealed class WindowsTunDevice : ITunDevice
{
    private readonly WintunPacketQueue _queue;
    private readonly WindowsMtuWatcher? _mtuWatcher;

    private WindowsTunDevice(WintunPacketQueue queue, ulong luid, WindowsMtuWatcher? mtuWatcher)
    {
        _queue = queue;
        Luid = luid;
        _mtuWatcher = mtuWatcher;
    }

    /// <inheritdoc/>
    public string Name => _queue.Name;

    /// <summary>The adapter's interface LUID, by which the IP Helper API names it.</summary>
    public ulong Luid { get; }

    /// <summary>The adapter's MTU (the smaller of its IPv4 and IPv6 settings), kept current from the IP Helper API's interface change notifications unless <see cref="WindowsTunDeviceOptions.FollowMtu"/> is off.</summary>
    public int Mtu => _queue.Mtu;

    /// <inheritdoc/>
    public int BatchSize => WintunPacketQueue.MaxBatch;

    /// <summary>Packets dropped on read: larger than the buffers the engine gave.</summary>
    public long ReadErrors => _queue.ReadErrors;

    /// <summary>Packets dropped on write: the send ring was full.</summary>
    public long WriteErrors => _queue.WriteErrors;

    /// <summary>Creates the adapter and starts its session.</summary>
    /// <param name="name">The adapter's name (at most 127 characters), for example <c>wg0</c>.</param>
    /// <param name="options">The MTU, ring size and GUID; the defaults when null.</param>
    /// <returns>The open device.</returns>
    /// <exception cref="DllNotFoundException"><c>wintun.dll</c> is not beside the application; the message says where to put it.</exception>
    /// <exception cref="IOException">Windows refused (not an administrator, say); the message carries the Win32 error.</exception>
    public static unsafe WindowsTunDevice Create(string name, WindowsTunDeviceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= new WindowsTunDeviceOptions();
        if (name.Length > 127 || options.TunnelType.Length > 127)
        {
            throw new ArgumentException("A Wintun adapter's name and tunnel type are at most 127 characters.", nameof(name));
        }

        if (options.RingCapacity is < 0x20000 or > 0x4000000 || !int.IsPow2(options.RingCapacity))
        {
            throw new ArgumentException($"RingCapacity {options.RingCapacity} is not a power of two from 128 KiB to 64 MiB.", nameof(options));
        }

        WintunLibrary.EnsureLoaded(options.LibraryDirectory ?? AppContext.BaseDirectory);
        SafeWintunAdapterHandle adapter;
        fixed (char* adapterName = name)
        fixed (char* tunnelType = options.TunnelType)
        {
            Guid requested = options.RequestedGuid ?? default;
            adapter = WintunCreateAdapter(adapterName, tunnelType, options.RequestedGuid is null ? null : &requested);
            if (adapter.IsInvalid)
            {
                int error = Marshal.GetLastPInvokeError();
                adapter.Dispose();
                throw Failure($"create the Wintun adapter {name}", error);
            }
        }

        SafeWintunSessionHandle? session = null;
        WindowsMtuWatcher? mtuWatcher = null;
        try
        {
            ulong luid;
            WintunGetAdapterLUID(adapter, &luid);
            if (options.Mtu is { } mtu)
            {
                WindowsInterfaceControl.SetMtu(luid, mtu);
            }

            session = WintunStartSession(adapter, (uint)options.RingCapacity);
            if (session.IsInvalid)
            {
                throw Failure($"start a session on {name}", Marshal.GetLastPInvokeError());
            }

            var queue = new WintunPacketQueue(new WintunSession(adapter, session), name, WindowsInterfaceControl.GetMtu(luid));
            try
            {
                if (options.FollowMtu)
                {
                    mtuWatcher = WindowsMtuWatcher.Start(luid, mtu => queue.Mtu = mtu);
                    queue.Mtu = WindowsInterfaceControl.GetMtu(luid); // a change between the first read and the registration is not lost
                }
            }
            catch
            {
                queue.Dispose(); // ends the session and closes the adapter; disposing their handles again below is harmless
                throw;
            }

            return new WindowsTunDevice(queue, luid, mtuWatcher);
        }
        catch
        {
            session?.Dispose();
            adapter.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public int Read(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset) => _queue.Read(buffers, sizes, offset);

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<Memory<byte>> packets, int offset) => _queue.Write(packets, offset);

    /// <summary>Stops following the MTU, wakes a blocked <see cref="Read"/> (which returns 0), ends the session and removes the adapter.</summary>
    public void Dispose()
    {
        _mtuWatcher?.Dispose();
        _queue.Dispose();
    }

    private static IOException Failure(string what, int error) =>
        new($"Cannot {what}: {Marshal.GetPInvokeErrorMessage(error)} (Win32 error {error}).", error);
}
