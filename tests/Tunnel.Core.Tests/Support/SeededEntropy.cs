namespace Tunnel.Core.Tests.Support;

/// <summary>Deterministic entropy, so every run replays from its seed.</summary>
internal sealed class SeededEntropy(int seed) : IEntropySource
{
    private readonly Random _random = new(seed);

    public void Fill(Span<byte> destination) => _random.NextBytes(destination);
}
