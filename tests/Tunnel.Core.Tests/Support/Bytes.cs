namespace Tunnel.Core.Tests.Support;

internal static class Bytes
{
    /// <summary>Deterministic filler: byte i is (seed + 31 i) mod 256, so every test can be replayed.</summary>
    internal static byte[] Pattern(int length, int seed = 0)
    {
        var bytes = new byte[length];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(seed + (31 * i));
        }

        return bytes;
    }

    internal static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new System.Random(seed).NextBytes(bytes);
        return bytes;
    }
}
