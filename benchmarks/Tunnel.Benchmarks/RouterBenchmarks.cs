using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Tunnel.Core.Routing;
using Tunnel.Routing;

namespace Tunnel.Benchmarks;

/// <summary>
/// The split-tunnel router's per-lookup costs: longest-prefix match over 1,000 and 100,000 IPv4 (and IPv6) prefixes,
/// the most specific of 10,000 domain rules for a four-label name, and parsing a five-address DNS answer and
/// renewing what it teaches (the steady state of a forwarder answering a known name). The reference of
/// the first two is an exact-match <see cref="Dictionary{TKey, TValue}"/> probe of the same keys: the
/// cheapest lookup that answers anything.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RouterBenchmarks
{
    private const int Lookups = 1024;

    private readonly byte[][] _addresses = new byte[Lookups][];
    private readonly uint[] _addressKeys = new uint[Lookups];
    private readonly byte[][] _names = new byte[Lookups][];
    private readonly string[] _nameKeys = new string[Lookups];
    private readonly byte[][] _addresses6 = new byte[Lookups][];
    private readonly UInt128[] _addressKeys6 = new UInt128[Lookups];
    private CidrTable<int> _cidr = CidrTable<int>.Empty;
    private CidrTable<int> _cidr6 = CidrTable<int>.Empty;
    private Dictionary<UInt128, int> _cidr6Reference = [];
    private Dictionary<uint, int> _cidrReference = [];
    private DomainTable<int> _domains = DomainTable<int>.Empty;
    private Dictionary<string, int> _domainReference = [];
    private SplitTunnelRouter _router = null!;
    private byte[] _answer = [];
    private TimeSpan _now;

    /// <summary>Prefixes in the CIDR table.</summary>
    [Params(1_000, 100_000)]
    public int Prefixes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(6);
        var cidr = new CidrTableBuilder<int>();
        _cidrReference = [];
        for (int i = 0; i < Prefixes; i++)
        {
            uint bits = (uint)random.Next() << 1;
            int length = 8 + random.Next(25);
            cidr.Set(new IPAddress(BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(bits))), length, i);
            _cidrReference[bits] = i;
        }

        _cidr = cidr.ToTable();
        var keys = _cidrReference.Keys.ToArray();
        for (int i = 0; i < Lookups; i++)
        {
            // Half the lookups inside a prefix, half anywhere.
            uint bits = i % 2 == 0 ? keys[random.Next(keys.Length)] | (uint)random.Next(256) : (uint)random.Next() << 1;
            _addressKeys[i] = bits;
            _addresses[i] = BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(bits));
        }

        // IPv6: global unicast (2000::/3) prefixes of /16 to /64, as allocations and sites are.
        var cidr6 = new CidrTableBuilder<int>();
        _cidr6Reference = [];
        for (int i = 0; i < Prefixes; i++)
        {
            int length = 16 + random.Next(49);
            UInt128 bits = (new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64()) >> 3 | (UInt128.One << 125)) & (UInt128.MaxValue << (128 - length));
            cidr6.Set(ToAddress6(bits), length, i);
            _cidr6Reference[bits] = i;
        }

        _cidr6 = cidr6.ToTable();
        var keys6 = _cidr6Reference.Keys.ToArray();
        for (int i = 0; i < Lookups; i++)
        {
            UInt128 bits = i % 2 == 0 ? keys6[random.Next(keys6.Length)] | (ulong)random.NextInt64() : new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64()) >> 3 | (UInt128.One << 125);
            _addressKeys6[i] = bits;
            _addresses6[i] = ToAddress6(bits).GetAddressBytes();
        }

        var domains = new DomainTableBuilder<int>();
        _domainReference = [];
        for (int i = 0; i < 10_000; i++)
        {
            string name = $"svc{i}.team{i % 97}.corp{i % 13}.example";
            domains.Set(DomainPattern.Parse(i % 2 == 0 ? "*." + name : name), i);
            _domainReference[name] = i;
        }

        _domains = domains.ToTable();
        for (int i = 0; i < Lookups; i++)
        {
            int rule = random.Next(10_000);
            _nameKeys[i] = i % 2 == 0 ? $"svc{rule}.team{rule % 97}.corp{rule % 13}.example" : $"api.svc{rule}.team{rule % 97}.corp{rule % 13}.example";
            _names[i] = Encoding.ASCII.GetBytes(_nameKeys[i]);
        }

        _router = new SplitTunnelRouter(new SplitTunnelPolicy(SplitTunnelMode.Include, [SplitTunnelRule.Parse("*.corp.example.com")]));
        _answer = FiveAddressAnswer();
        _now = TimeSpan.FromSeconds(10);
        _router.Learn(_answer, _now);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("Cidr")]
    public int Cidr_DictionaryReference()
    {
        int found = 0;
        for (int i = 0; i < Lookups; i++)
        {
            found += _cidrReference.TryGetValue(_addressKeys[i], out int value) ? value : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("Cidr")]
    public int Cidr_LongestPrefixMatch()
    {
        int found = 0;
        for (int i = 0; i < Lookups; i++)
        {
            found += _cidr.TryLookup(_addresses[i], out int value) ? value : 0;
        }

        return found;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("Cidr6")]
    public int Cidr6_DictionaryReference()
    {
        int found = 0;
        for (int i = 0; i < Lookups; i++)
        {
            found += _cidr6Reference.TryGetValue(_addressKeys6[i], out int value) ? value : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("Cidr6")]
    public int Cidr6_LongestPrefixMatch()
    {
        int found = 0;
        for (int i = 0; i < Lookups; i++)
        {
            found += _cidr6.TryLookup(_addresses6[i], out int value) ? value : 0;
        }

        return found;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("Domain")]
    public int Domain_DictionaryReference()
    {
        int found = 0;
        for (int i = 0; i < Lookups; i++)
        {
            found += _domainReference.TryGetValue(_nameKeys[i], out int value) ? value : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("Domain")]
    public int Domain_MostSpecificOf10000()
    {
        int found = 0;
        for (int i = 0; i < Lookups; i++)
        {
            found += _domains.TryMatch(_names[i], out _, out int value) ? value : 0;
        }

        return found;
    }

    [Benchmark]
    [BenchmarkCategory("Learn")]
    public bool Learn_FiveAddressAnswer()
    {
        _now += TimeSpan.FromTicks(1);
        return _router.Learn(_answer, _now).IsEmpty;
    }

    private static IPAddress ToAddress6(UInt128 bits)
    {
        byte[] bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, bits);
        return new IPAddress(bytes);
    }

    /// <summary>A response for www.corp.example.com: a CNAME to edge.corp.example.com and four A records there, names compressed.</summary>
    private static byte[] FiveAddressAnswer()
    {
        var message = new List<byte> { 0x12, 0x34, 0x81, 0x80, 0, 1, 0, 5, 0, 0, 0, 0 };
        message.AddRange([3, .. "www"u8, 4, .. "corp"u8, 7, .. "example"u8, 3, .. "com"u8, 0, 0, 1, 0, 1]);
        message.AddRange([0xC0, 12, 0, 5, 0, 1, 0, 0, 1, 44, 0, 7, 4, .. "edge"u8, 0xC0, 16]);
        int edge = 12 + 26 + 12;
        for (int i = 1; i <= 4; i++)
        {
            message.AddRange([0xC0, (byte)edge, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, (byte)i]);
        }

        return [.. message];
    }
}
