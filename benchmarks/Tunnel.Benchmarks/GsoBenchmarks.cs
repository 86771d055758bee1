using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Tunnel.Platform.Offloads;

namespace Tunnel.Benchmarks;

/// <summary>
/// The TUN offload work per packet: cutting a 64 KiB TCP super-packet read from the kernel into 1380-byte
/// segments (headers rewritten, checksums computed), and coalescing a batch of such segments for one write
/// (checksums verified, the head rewritten). The baseline of each is a plain copy of the same bytes.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GsoBenchmarks
{
    private const int Mss = 1380;
    private const int Segments = 47;
    private const int Offset = 16;

    private readonly byte[] _super = new byte[40 + (Mss * Segments)];
    private readonly byte[] _destination = new byte[2048];
    private readonly Memory<byte>[] _batch = new Memory<byte>[Segments];
    private readonly byte[][] _originals = new byte[Segments][];
    private readonly PacketCoalescer _coalescer = new(128, coalesceUdp: true);
    private VirtioNetHeader _header;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        random.NextBytes(_super);
        WriteHeaders(_super, sequence: 1000, payload: Mss * Segments);
        _header = new VirtioNetHeader { Flags = VirtioNetHeader.NeedsChecksum, GsoType = VirtioNetHeader.GsoTcpV4, HeaderLength = 40, GsoSize = Mss, ChecksumStart = 20, ChecksumOffset = 16 };
        if (!GsoSegments.TryCreate(_header, _super, out GsoSegments segments, out string? error))
        {
            throw new InvalidOperationException(error);
        }

        for (int i = 0; i < Segments; i++)
        {
            var buffer = new byte[Offset + 40 + Mss];
            segments.Write(_super, i, buffer.AsSpan(Offset));
            _originals[i] = buffer;
            _batch[i] = new byte[buffer.Length];
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Segments)]
    [BenchmarkCategory("Split")]
    public int Split_CopyReference()
    {
        for (int i = 0; i < Segments; i++)
        {
            _super.AsSpan(i * Mss, 40 + Mss).CopyTo(_destination);
        }

        return _destination[0];
    }

    [Benchmark(OperationsPerInvoke = Segments)]
    [BenchmarkCategory("Split")]
    public int Split_TcpSuperPacket()
    {
        GsoSegments.TryCreate(_header, _super, out GsoSegments segments, out _);
        int total = 0;
        for (int i = 0; i < segments.Count; i++)
        {
            total += segments.Write(_super, i, _destination);
        }

        return total;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Segments)]
    [BenchmarkCategory("Coalesce")]
    public int Coalesce_CopyReference()
    {
        for (int i = 0; i < Segments; i++)
        {
            _originals[i].CopyTo(_batch[i].Span);
        }

        return _batch.Length;
    }

    /// <summary>Restoring the batch (the head is rewritten) is part of the measurement, so compare with the copy reference.</summary>
    [Benchmark(OperationsPerInvoke = Segments)]
    [BenchmarkCategory("Coalesce")]
    public int Coalesce_TcpSegments()
    {
        for (int i = 0; i < Segments; i++)
        {
            _originals[i].CopyTo(_batch[i].Span);
        }

        _coalescer.Coalesce(_batch, Offset);
        return _coalescer.GroupCount;
    }

    private static void WriteHeaders(Span<byte> packet, uint sequence, int payload)
    {
        packet[..40].Clear();
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)Math.Min(65535, 40 + payload));
        packet[6] = 0x40;
        packet[8] = 64;
        packet[9] = 6;
        packet[12] = 10;
        packet[15] = 1;
        packet[16] = 10;
        packet[19] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(packet[20..], 40000);
        BinaryPrimitives.WriteUInt16BigEndian(packet[22..], 5201);
        BinaryPrimitives.WriteUInt32BigEndian(packet[24..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet[28..], 77);
        packet[32] = 5 << 4;
        packet[33] = 0x10;
        BinaryPrimitives.WriteUInt16BigEndian(packet[34..], 502);
    }
}
