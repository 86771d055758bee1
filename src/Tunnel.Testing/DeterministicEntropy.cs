using System.Buffers.Binary;
using Tunnel.Core;
using Tunnel.Core.Crypto;

namespace Tunnel.Testing;

/// <summary>
/// Entropy that repeats exactly for a given seed, on every machine and runtime version: block i is
/// BLAKE2s-256(i as 8 little-endian bytes || seed as 4 little-endian bytes). A failing test or fuzz input
/// replays from its seed. Never use it outside tests: it is predictable by design.
/// </summary>
/// <param name="seed">The seed.</param>
public sealed class DeterministicEntropy(int seed) : IEntropySource
{
    private ulong _counter;

    /// <summary>The seed this source was created with.</summary>
    public int Seed { get; } = seed;

    /// <inheritdoc/>
    public void Fill(Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[12];
        Span<byte> block = stackalloc byte[Blake2s.HashSize];
        while (!destination.IsEmpty)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(input, _counter++);
            BinaryPrimitives.WriteInt32LittleEndian(input[8..], Seed);
            Blake2s.HashData(input, block);
            int n = Math.Min(block.Length, destination.Length);
            block[..n].CopyTo(destination);
            destination = destination[n..];
        }
    }
}
