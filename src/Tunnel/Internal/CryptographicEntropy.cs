using System.Security.Cryptography;
using Tunnel.Core;

namespace Tunnel.Internal;

/// <summary>The operating system's cryptographic random number generator, as the core's entropy source.</summary>
internal sealed class CryptographicEntropy : IEntropySource
{
    public static CryptographicEntropy Instance { get; } = new();

    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}
