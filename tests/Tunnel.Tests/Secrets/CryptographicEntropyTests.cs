using Tunnel.Internal;

namespace Tunnel.Tests.Secrets;

/// <summary>
/// The engine's entropy source draws from the system generator a pool at a time: every byte it hands out is
/// handed out once, is wiped from the pool as it goes, and draws of every size (including larger than the
/// pool) come back filled.
/// </summary>
public sealed class CryptographicEntropyTests
{
    [Fact]
    public void HandedOutBytes_AreWipedFromThePool_AndNeverHandedOutTwice()
    {
        // A thread of its own: the pool is per thread, and this one starts empty.
        var seen = new HashSet<string>();
        bool wiped = true;
        var thread = new Thread(() =>
        {
            var nonce = new byte[24];
            for (int i = 0; i < 3 * CryptographicEntropy.PoolSize / nonce.Length; i++)
            {
                CryptographicEntropy.Instance.Fill(nonce);
                seen.Add(Convert.ToHexString(nonce));
                int next = CryptographicEntropy.CurrentThreadNext;
                wiped &= !CryptographicEntropy.CurrentThreadPool[..next].ContainsAnyExcept((byte)0);
            }
        });
        thread.Start();
        thread.Join();

        Assert.True(wiped, "bytes handed out were left in the pool");
        Assert.Equal(3 * CryptographicEntropy.PoolSize / 24, seen.Count); // 192-bit values: a repeat means a reused byte range
    }

    [Theory]
    [InlineData(1)]
    [InlineData(32)]
    [InlineData(CryptographicEntropy.PoolSize / 4)]
    [InlineData(CryptographicEntropy.PoolSize / 4 + 1)]
    [InlineData(CryptographicEntropy.PoolSize)]
    [InlineData(4 * CryptographicEntropy.PoolSize)]
    public void EveryDrawSize_ComesBackFilled(int size)
    {
        // Two draws of the size: a buffer left zero (or a draw repeated) would show as equal halves, with odds of 2^-8 per byte.
        var first = new byte[size];
        var second = new byte[size];
        int equalBytes = 0;
        for (int round = 0; round < 64; round++)
        {
            CryptographicEntropy.Instance.Fill(first);
            CryptographicEntropy.Instance.Fill(second);
            for (int i = 0; i < size; i++)
            {
                equalBytes += first[i] == second[i] ? 1 : 0;
            }
        }

        // Expected 1/256 of 64 * size; allow a wide margin, but far below what a stuck buffer gives (all of them).
        Assert.True(equalBytes <= (64 * size / 256) + 8 + (64 * size / 64), $"{equalBytes} of {64 * size} bytes equal between draws");
    }
}
