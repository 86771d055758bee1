using System.Runtime.InteropServices;

namespace Tunnel.Core.Routing.Internal;

/// <summary>
/// An immutable path-compressed binary trie over left-aligned 128-bit keys, flattened into one array of
/// nodes so a lookup walks contiguous memory, takes no lock and allocates nothing. Built once per change;
/// lookups are O(prefix length) in the worst case and usually a handful of nodes.
/// </summary>
internal sealed class PrefixTrie
{
    internal static readonly PrefixTrie Empty = new([]);

    private readonly Node[] _nodes;

    private PrefixTrie(Node[] nodes) => _nodes = nodes;

    /// <summary>The index of the value of the longest prefix containing <paramref name="key"/>, or -1.</summary>
    internal int Lookup(UInt128 key) => Lookup(key, 128);

    /// <summary>The index of the value of the longest prefix of at most <paramref name="maxLength"/> bits containing <paramref name="key"/>, or -1.</summary>
    internal int Lookup(UInt128 key, int maxLength)
    {
        Node[] nodes = _nodes;
        int best = -1;
        int index = nodes.Length == 0 ? -1 : 0;
        while ((uint)index < (uint)nodes.Length)
        {
            ref readonly Node node = ref nodes[index];
            if (node.Length > maxLength)
            {
                break;
            }

            if (node.Length != 0 && ((key ^ node.Key) >> (128 - node.Length)) != UInt128.Zero)
            {
                break;
            }

            if (node.Value >= 0)
            {
                best = node.Value;
            }

            if (node.Length == 128)
            {
                break;
            }

            index = BitAt(key, node.Length) == 0 ? node.Left : node.Right;
        }

        return best;
    }

    /// <summary>Builds a trie mapping each prefix to the value index beside it.</summary>
    internal static PrefixTrie Build(ReadOnlySpan<(UInt128 Key, int Length)> prefixes, ReadOnlySpan<int> valueIndices)
    {
        if (prefixes.IsEmpty)
        {
            return Empty;
        }

        BuildNode? root = null;
        for (int i = 0; i < prefixes.Length; i++)
        {
            root = Insert(root, prefixes[i].Key, prefixes[i].Length, valueIndices[i]);
        }

        var nodes = new List<Node>();
        Flatten(root!, nodes);
        return new PrefixTrie([.. nodes]);
    }

    /// <summary>
    /// Calls <paramref name="emit"/> with interval starts in address order, each with the value index of the
    /// longest prefix covering the interval (-1 where none does), across the whole 128-bit key space. A start
    /// may be emitted again with another value (the later wins), and neighbours may share a value.
    /// </summary>
    internal void Flatten(Action<UInt128, int> emit)
    {
        if (_nodes.Length == 0)
        {
            emit(UInt128.Zero, -1);
            return;
        }

        UInt128 cursor = UInt128.Zero;
        if (!Walk(0, -1, ref cursor, emit))
        {
            emit(cursor, -1);
        }
    }

    /// <summary>
    /// Emits node <paramref name="index"/>'s range, the gap before it going to <paramref name="inherited"/>.
    /// On return every address up to the node's last is covered and <paramref name="cursor"/> is the next
    /// one; returns true when that last address is the end of the key space.
    /// </summary>
    private bool Walk(int index, int inherited, ref UInt128 cursor, Action<UInt128, int> emit)
    {
        Node node = _nodes[index];
        UInt128 last = node.Length == 128 ? node.Key : node.Key | (UInt128.MaxValue >> node.Length);
        if (node.Key > cursor)
        {
            emit(cursor, inherited);
        }

        int value = node.Value >= 0 ? node.Value : inherited;
        emit(node.Key, value);
        cursor = node.Key;
        foreach (int child in (ReadOnlySpan<int>)[node.Left, node.Right])
        {
            if (child < 0)
            {
                continue;
            }

            if (Walk(child, value, ref cursor, emit))
            {
                return true;
            }

            if (cursor <= last)
            {
                emit(cursor, value);
            }
        }

        if (last == UInt128.MaxValue)
        {
            return true;
        }

        cursor = last + 1;
        return false;
    }

    private static int BitAt(UInt128 key, int position) => (int)(key >> (127 - position)) & 1;

    private static BuildNode Insert(BuildNode? node, UInt128 key, int length, int value)
    {
        if (node is null)
        {
            return new BuildNode(key, length, value);
        }

        int common = Math.Min((int)UInt128.LeadingZeroCount(node.Key ^ key), Math.Min(node.Length, length));
        if (common == node.Length && common == length)
        {
            node.Value = value;
            return node;
        }

        if (common == node.Length)
        {
            // The node's prefix contains the new one: descend.
            if (BitAt(key, node.Length) == 0)
            {
                node.Left = Insert(node.Left, key, length, value);
            }
            else
            {
                node.Right = Insert(node.Right, key, length, value);
            }

            return node;
        }

        if (common == length)
        {
            // The new prefix contains the node's: it becomes the parent.
            var parent = new BuildNode(key, length, value);
            parent.SetChild(BitAt(node.Key, length), node);
            return parent;
        }

        // They diverge at bit 'common': a valueless fork holds both.
        var fork = new BuildNode(PrefixKey.Mask(key, common), common, -1);
        fork.SetChild(BitAt(node.Key, common), node);
        fork.SetChild(BitAt(key, common), new BuildNode(key, length, value));
        return fork;
    }

    private static int Flatten(BuildNode node, List<Node> nodes)
    {
        int index = nodes.Count;
        nodes.Add(default);
        int left = node.Left is null ? -1 : Flatten(node.Left, nodes);
        int right = node.Right is null ? -1 : Flatten(node.Right, nodes);
        CollectionsMarshal.AsSpan(nodes)[index] = new Node(node.Key, node.Length, node.Value, left, right);
        return index;
    }

    [StructLayout(LayoutKind.Auto)]
    private readonly record struct Node(UInt128 Key, int Length, int Value, int Left, int Right);

    private sealed class BuildNode(UInt128 key, int length, int value)
    {
        public UInt128 Key { get; } = key;

        public int Length { get; } = length;

        public int Value { get; set; } = value;

        public BuildNode? Left { get; set; }

        public BuildNode? Right { get; set; }

        public void SetChild(int bit, BuildNode child)
        {
            if (bit == 0)
            {
                Left = child;
            }
            else
            {
                Right = child;
            }
        }
    }
}
