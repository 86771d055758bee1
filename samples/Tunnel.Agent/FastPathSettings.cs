using Tunnel.Platform.Linux;

namespace Tunnel.Agent;

/// <summary>
/// Which Linux fast-path features the daemon uses: all of them unless <c>TUNNEL_DISABLE</c> lists some, a
/// comma-separated subset of <c>tun-offloads</c>, <c>udp-gso</c>, <c>udp-gro</c>, <c>mmsg</c> (batched
/// socket calls), <c>udp-pktinfo</c> (replies from the address the peer wrote to), <c>aead-simd</c> (libsodium's
/// ChaCha20-Poly1305 instead of the managed one), <c>aead-avx512</c> (the managed one on AVX2 where the CPU
/// also has AVX-512), or <c>all</c>. For comparing, and for kernels or CPUs where a feature misbehaves.
/// <c>TUNNEL_CRYPTO_HELPERS</c> sets <see cref="TunnelOptions.CryptoHelperThreads"/>.
/// </summary>
internal sealed record FastPathSettings(bool TunOffloads, bool UdpSegmentation, bool UdpReceiveCoalescing, bool Batching, bool StickySource, bool SimdAead, bool Avx512Aead = true)
{
    public const string Variable = "TUNNEL_DISABLE";

    public const string CryptoHelpersVariable = "TUNNEL_CRYPTO_HELPERS";

    /// <summary>The most helper threads <see cref="CryptoHelpersVariable"/> may ask for.</summary>
    private const int MaxCryptoHelpers = 64;

    private static readonly string[] s_features = ["tun-offloads", "udp-gso", "udp-gro", "mmsg", "udp-pktinfo", "aead-simd", "aead-avx512", "all"];

    /// <summary>Reads <see cref="Variable"/>; an unknown name is an error, not silently ignored.</summary>
    public static bool TryRead(string? value, out FastPathSettings settings, out string? error)
    {
        settings = new FastPathSettings(true, true, true, true, true, true);
        error = null;
        foreach (string item in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (item)
            {
                case "tun-offloads":
                    settings = settings with { TunOffloads = false };
                    break;
                case "udp-gso":
                    settings = settings with { UdpSegmentation = false };
                    break;
                case "udp-gro":
                    settings = settings with { UdpReceiveCoalescing = false };
                    break;
                case "mmsg":
                    settings = settings with { Batching = false };
                    break;
                case "udp-pktinfo":
                    settings = settings with { StickySource = false };
                    break;
                case "aead-simd":
                    settings = settings with { SimdAead = false };
                    break;
                case "aead-avx512":
                    settings = settings with { Avx512Aead = false };
                    break;
                case "all":
                    settings = new FastPathSettings(false, false, false, false, false, false, false);
                    break;
                default:
                    error = $"{Variable}: unknown feature '{item}' (known: {string.Join(", ", s_features)})";
                    return false;
            }
        }

        return true;
    }

    /// <summary>Reads <see cref="CryptoHelpersVariable"/>: unset or empty is the library's default; anything but 0 to 64 is an error.</summary>
    public static bool TryReadCryptoHelpers(string? value, out int helpers, out string? error)
    {
        helpers = TunnelOptions.DefaultCryptoHelperThreads;
        error = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out helpers) || helpers > MaxCryptoHelpers)
        {
            error = $"{CryptoHelpersVariable}: '{value}' is not a number of threads from 0 to {MaxCryptoHelpers}";
            return false;
        }

        return true;
    }

    /// <summary>Keeps libsodium's AEAD when <see cref="SimdAead"/> is off, and AVX2 when <see cref="Avx512Aead"/> is; call before the first packet is sealed.</summary>
    public void ApplyAead()
    {
        if (!SimdAead)
        {
            AppContext.SetSwitch(Tunnel.Core.Crypto.AeadBackend.DisableManagedImplementationSwitch, true);
        }

        if (!Avx512Aead)
        {
            AppContext.SetSwitch(Tunnel.Core.Crypto.AeadBackend.DisableAvx512Switch, true);
        }
    }

    public LinuxTunDeviceOptions TunOptions => new() { EnableOffloads = TunOffloads };

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public LinuxUdpDatagramSocketFactory SocketFactory => new()
    {
        EnableBatching = Batching,
        EnableSegmentation = UdpSegmentation,
        EnableReceiveCoalescing = UdpReceiveCoalescing,
        EnableStickySource = StickySource,
    };
}
