using System.Buffers.Binary;
using System.Net;
using System.Text;
using Tunnel.Dns;

namespace Tunnel.SplitTunnel.Tests.Dns;

internal enum DnsSection
{
    Answer,
    Authority,
    Additional,
}

/// <summary>
/// Builds DNS messages for tests: a header, questions, then records per section, with names compressed the
/// way servers do (each suffix points at its first occurrence) or written out in full. Names are dotted
/// strings whose labels are taken byte for byte (Latin-1), so a test can write a 64-byte label or a 256-byte
/// name; <c>""</c> or <c>"."</c> is the root. The header counts follow what was added unless overridden.
/// </summary>
internal sealed class DnsMessageBuilder
{
    private readonly List<(string Name, ushort Type, ushort Class)> _questions = [];
    private readonly List<Action<Writer>>[] _sections = [[], [], []];

    public ushort Id { get; set; } = 0x1234;

    public bool IsResponse { get; set; } = true;

    public int Opcode { get; set; }

    public bool Authoritative { get; set; }

    public bool Truncated { get; set; }

    public bool RecursionDesired { get; set; } = true;

    public bool RecursionAvailable { get; set; } = true;

    public int ResponseCode { get; set; }

    public bool Compress { get; set; } = true;

    public int? QuestionCount { get; set; }

    public int? AnswerCount { get; set; }

    public int? AuthorityCount { get; set; }

    public int? AdditionalCount { get; set; }

    public static DnsMessageBuilder Query(string name, DnsRecordType type = DnsRecordType.A) =>
        new DnsMessageBuilder { IsResponse = false, RecursionAvailable = false }.Question(name, type);

    public static DnsMessageBuilder Response(string name, DnsRecordType type = DnsRecordType.A) =>
        new DnsMessageBuilder().Question(name, type);

    public DnsMessageBuilder Question(string name, DnsRecordType type = DnsRecordType.A, ushort @class = 1)
    {
        _questions.Add((name, (ushort)type, @class));
        return this;
    }

    public DnsMessageBuilder A(string owner, string address, uint ttl = 300, DnsSection section = DnsSection.Answer) =>
        Record(section, owner, DnsRecordType.A, ttl, IPAddress.Parse(address).GetAddressBytes());

    public DnsMessageBuilder Aaaa(string owner, string address, uint ttl = 300, DnsSection section = DnsSection.Answer) =>
        Record(section, owner, DnsRecordType.AAAA, ttl, IPAddress.Parse(address).GetAddressBytes());

    public DnsMessageBuilder Cname(string owner, string target, uint ttl = 300, DnsSection section = DnsSection.Answer) =>
        Add(section, owner, (ushort)DnsRecordType.CNAME, 1, ttl, w => w.Name(target, Compress));

    /// <summary>An SVCB or HTTPS record; parameters are written in the order given, so a test can break the ordering.</summary>
    public DnsMessageBuilder Svcb(string owner, ushort priority, string target, uint ttl, DnsRecordType type, params (ushort Key, byte[] Value)[] parameters) =>
        Add(DnsSection.Answer, owner, (ushort)type, 1, ttl, w =>
        {
            w.UInt16(priority);
            w.Name(target, compress: false);
            foreach (var (key, value) in parameters)
            {
                w.UInt16(key);
                w.UInt16((ushort)value.Length);
                w.Bytes(value);
            }
        });

    public DnsMessageBuilder Https(string owner, ushort priority, string target, uint ttl, params (ushort Key, byte[] Value)[] parameters) =>
        Svcb(owner, priority, target, ttl, DnsRecordType.HTTPS, parameters);

    public DnsMessageBuilder Soa(string zone, string primary, string mailbox, uint ttl = 900, DnsSection section = DnsSection.Authority) =>
        Add(section, zone, (ushort)DnsRecordType.SOA, 1, ttl, w =>
        {
            w.Name(primary, Compress);
            w.Name(mailbox, Compress);
            foreach (uint value in (uint[])[2024010101, 7200, 3600, 1209600, ttl])
            {
                w.UInt32(value);
            }
        });

    public DnsMessageBuilder Opt(ushort payloadSize = 1232, byte version = 0, bool dnssecOk = false, DnsSection section = DnsSection.Additional, string owner = "", byte[]? options = null) =>
        Add(section, owner, (ushort)DnsRecordType.OPT, payloadSize, ((uint)version << 16) | (dnssecOk ? 0x8000u : 0), w => w.Bytes(options ?? []));

    public DnsMessageBuilder Record(DnsSection section, string owner, DnsRecordType type, uint ttl, byte[] data, ushort @class = 1) =>
        Add(section, owner, (ushort)type, @class, ttl, w => w.Bytes(data));

    public byte[] Build()
    {
        var w = new Writer();
        w.UInt16(Id);
        w.UInt16((ushort)((IsResponse ? 0x8000 : 0) | (Opcode << 11) | (Authoritative ? 0x400 : 0) | (Truncated ? 0x200 : 0)
            | (RecursionDesired ? 0x100 : 0) | (RecursionAvailable ? 0x80 : 0) | ResponseCode));
        w.UInt16((ushort)(QuestionCount ?? _questions.Count));
        w.UInt16((ushort)(AnswerCount ?? _sections[0].Count));
        w.UInt16((ushort)(AuthorityCount ?? _sections[1].Count));
        w.UInt16((ushort)(AdditionalCount ?? _sections[2].Count));
        foreach (var (name, type, @class) in _questions)
        {
            w.Name(name, Compress);
            w.UInt16(type);
            w.UInt16(@class);
        }

        foreach (var section in _sections)
        {
            foreach (var record in section)
            {
                record(w);
            }
        }

        return w.ToArray();
    }

    /// <summary>The uncompressed wire form of a name.</summary>
    public static byte[] WireName(string name)
    {
        var w = new Writer();
        w.Name(name, compress: false);
        return w.ToArray();
    }

    /// <summary>SvcParam values: an ipv4hint or ipv6hint from addresses, an alpn list.</summary>
    public static (ushort, byte[]) Hint(params string[] addresses)
    {
        byte[] value = addresses.SelectMany(a => IPAddress.Parse(a).GetAddressBytes()).ToArray();
        return (IPAddress.Parse(addresses[0]).AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? (ushort)4 : (ushort)6, value);
    }

    public static (ushort, byte[]) Alpn(params string[] protocols) =>
        (1, protocols.SelectMany(p => new[] { (byte)p.Length }.Concat(Encoding.ASCII.GetBytes(p))).ToArray());

    private DnsMessageBuilder Add(DnsSection section, string owner, ushort type, ushort @class, uint ttl, Action<Writer> data)
    {
        _sections[(int)section].Add(w =>
        {
            w.Name(owner, Compress);
            w.UInt16(type);
            w.UInt16(@class);
            w.UInt32(ttl);
            int lengthAt = w.Position;
            w.UInt16(0);
            data(w);
            w.Patch(lengthAt, (ushort)(w.Position - lengthAt - 2));
        });
        return this;
    }

    private sealed class Writer
    {
        private readonly List<byte> _bytes = [];
        private readonly Dictionary<string, int> _suffixes = new(StringComparer.Ordinal);

        public int Position => _bytes.Count;

        public void Name(string name, bool compress)
        {
            string[] labels = name is "" or "." ? [] : name.TrimEnd('.').Split('.');
            for (int i = 0; i < labels.Length; i++)
            {
                string suffix = string.Join('.', labels[i..]);
                if (compress && _suffixes.TryGetValue(suffix, out int offset))
                {
                    UInt16((ushort)(0xC000 | offset));
                    return;
                }

                if (Position < 0x4000)
                {
                    _suffixes.TryAdd(suffix, Position);
                }

                byte[] label = Encoding.Latin1.GetBytes(labels[i]);
                _bytes.Add((byte)label.Length);
                _bytes.AddRange(label);
            }

            _bytes.Add(0);
        }

        public void UInt16(ushort value) => _bytes.AddRange([(byte)(value >> 8), (byte)value]);

        public void UInt32(uint value)
        {
            UInt16((ushort)(value >> 16));
            UInt16((ushort)value);
        }

        public void Bytes(ReadOnlySpan<byte> value) => _bytes.AddRange(value);

        public void Patch(int at, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_bytes)[at..], value);

        public byte[] ToArray() => [.. _bytes];
    }
}
