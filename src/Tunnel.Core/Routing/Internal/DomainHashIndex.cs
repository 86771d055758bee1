using System.Runtime.CompilerServices;
using System.Text;

namespace Tunnel.Core.Routing.Internal;

/// <summary>
/// The lookup structure behind <see cref="DomainTable{TValue}"/>: every pattern's canonical name hashed
/// from its last character to its first, so a name read once from its end yields the hash of each of its
/// suffixes at the dot that starts it. Exact and <c>*.</c> patterns share one open-addressed array and
/// differ by a tweak of the hash. Names are short (at most 253 bytes) and are folded into a stack copy
/// once, so every comparison is a plain vectorised <c>SequenceEqual</c>.
/// </summary>
internal sealed class DomainHashIndex
{
    private const ulong Offset = 0xcbf29ce484222325;
    private const ulong Prime = 0x100000001b3;
    private const ulong WildcardTweak = 0x9e3779b97f4a7c15;

    private readonly byte[] _names;
    private readonly int[] _nameOffsets;
    private readonly ulong[] _hashes;
    private readonly int[] _slots;
    private readonly int _mask;
    private readonly bool _hasWildcards;

    internal DomainHashIndex(DomainPattern[] patterns)
    {
        _nameOffsets = new int[patterns.Length + 1];
        _hashes = new ulong[patterns.Length];
        var names = new List<byte>();
        for (int i = 0; i < patterns.Length; i++)
        {
            byte[] name = Encoding.ASCII.GetBytes(patterns[i].Name);
            _nameOffsets[i] = names.Count;
            names.AddRange(name);
            _hashes[i] = Hash(name) ^ (patterns[i].IncludesSubdomains ? WildcardTweak : 0);
            _hasWildcards |= patterns[i].IncludesSubdomains;
        }

        _nameOffsets[patterns.Length] = names.Count;
        _names = [.. names];

        // Load factor at most one half keeps probe sequences short without a second hash.
        int size = (int)Math.Max(4, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)patterns.Length * 2));
        _slots = new int[size];
        _mask = size - 1;
        for (int i = 0; i < patterns.Length; i++)
        {
            int slot = Slot(_hashes[i]);
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = i + 1;
        }
    }

    /// <summary>The index of the most specific pattern matching <paramref name="name"/>, or -1.</summary>
    [SkipLocalsInit]
    internal int Find(ReadOnlySpan<byte> name)
    {
        if (!name.IsEmpty && name[^1] == (byte)'.')
        {
            name = name[..^1];
        }

        if (_hashes.Length == 0 || name.IsEmpty || name.Length > DomainNames.MaxLength)
        {
            return -1;
        }

        Span<byte> folded = stackalloc byte[DomainNames.MaxLength];
        folded = folded[..name.Length];
        ulong hash = Offset;
        int best = -1;
        for (int i = name.Length - 1; i >= 0; i--)
        {
            byte c = (byte)DomainNames.Fold(name[i]);
            if (c == (byte)'.' && (i == 0 || name[i - 1] == (byte)'.'))
            {
                // An empty label: not a host name, so no rule may claim it.
                return -1;
            }

            if (c == (byte)'.' && _hasWildcards)
            {
                // folded[(i + 1)..] is the suffix just completed; a longer one found later wins.
                int found = Probe(hash ^ WildcardTweak, folded[(i + 1)..]);
                if (found >= 0)
                {
                    best = found;
                }
            }

            folded[i] = c;
            hash = (hash ^ c) * Prime;
        }

        int exact = Probe(hash, folded);
        return exact >= 0 ? exact : best;
    }

    private static ulong Hash(ReadOnlySpan<byte> name)
    {
        ulong hash = Offset;
        for (int i = name.Length - 1; i >= 0; i--)
        {
            hash = (hash ^ name[i]) * Prime;
        }

        return hash;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(ulong hash) => (int)((hash ^ (hash >> 32)) * 0x9e3779b97f4a7c15 >> 40) & _mask;

    private int Probe(ulong hash, ReadOnlySpan<byte> key)
    {
        int slot = Slot(hash);
        while (true)
        {
            int entry = _slots[slot] - 1;
            if (entry < 0)
            {
                return -1;
            }

            if (_hashes[entry] == hash && key.SequenceEqual(_names.AsSpan(_nameOffsets[entry], _nameOffsets[entry + 1] - _nameOffsets[entry])))
            {
                return entry;
            }

            slot = (slot + 1) & _mask;
        }
    }
}
