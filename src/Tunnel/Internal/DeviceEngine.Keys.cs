namespace Tunnel.Internal;

/// <summary>Wiping the keys once the pumps have stopped, so a stopped host holds no secret.</summary>
internal sealed partial class DeviceEngine
{
    private void ClearKeys()
    {
        lock (_gate)
        {
            _device.ClearKeys();
            _privateKey.Clear();
        }
    }
}
