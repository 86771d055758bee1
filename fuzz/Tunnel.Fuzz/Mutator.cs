namespace Tunnel.Fuzz;

/// <summary>
/// Deterministic byte-level mutations for the smoke run, in the spirit of AFL's havoc stage: enough to
/// walk every parser's error paths in seconds, replayable from a seed.
/// </summary>
internal sealed class Mutator
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)'=', (byte)'A', (byte)'/', (byte)'+', (byte)'0', (byte)'f'];

    private readonly Random _random;

    public Mutator(int seed) => _random = new Random(seed);

    public byte[] Mutate(IReadOnlyList<byte[]> corpus)
    {
        byte[] parent = corpus.Count == 0 ? [] : corpus[_random.Next(corpus.Count)];
        var data = new List<byte>(parent);
        int steps = 1 + _random.Next(4);
        for (int i = 0; i < steps; i++)
        {
            Apply(data, corpus);
        }

        return [.. data];
    }

    private void Apply(List<byte> data, IReadOnlyList<byte[]> corpus)
    {
        int position = data.Count == 0 ? 0 : _random.Next(data.Count);
        switch (_random.Next(8))
        {
            case 0 when data.Count > 0:
                data[position] ^= (byte)(1 << _random.Next(8));
                break;
            case 1 when data.Count > 0:
                data[position] = InterestingBytes[_random.Next(InterestingBytes.Length)];
                break;
            case 2 when data.Count > 0:
                data[position] = (byte)_random.Next(256);
                break;
            case 3:
                data.Insert(position, (byte)_random.Next(256));
                break;
            case 4 when data.Count > 0:
                data.RemoveRange(position, 1 + _random.Next(Math.Min(8, data.Count - position)));
                break;
            case 5:
                data.RemoveRange(position, data.Count - position);
                break;
            case 6 when data.Count > 0:
                int length = 1 + _random.Next(Math.Min(16, data.Count - position));
                data.InsertRange(_random.Next(data.Count + 1), data.GetRange(position, length));
                break;
            case 7 when corpus.Count > 0:
                byte[] other = corpus[_random.Next(corpus.Count)];
                int start = other.Length == 0 ? 0 : _random.Next(other.Length);
                data.RemoveRange(position, data.Count - position);
                data.AddRange(other.AsSpan(start).ToArray());
                break;
            default:
                data.Add((byte)_random.Next(256));
                break;
        }
    }
}
