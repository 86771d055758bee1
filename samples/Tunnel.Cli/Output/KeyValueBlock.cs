namespace Tunnel.Cli.Output;

/// <summary>Lines of <c>Key:   value</c> with the values aligned, skipping keys whose value is unknown.</summary>
internal sealed class KeyValueBlock
{
    private readonly List<(string Key, string Value)> _lines = [];

    /// <summary>Adds a line, unless <paramref name="value"/> is null.</summary>
    /// <param name="key">The label, without its colon.</param>
    /// <param name="value">The value; null leaves the line out.</param>
    public void Add(string key, string? value)
    {
        if (value is not null)
        {
            _lines.Add((key, value));
        }
    }

    /// <summary>Writes the lines, each value starting in the same column.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="indent">Spaces before each key, for blocks under a heading.</param>
    public void WriteTo(TextWriter writer, int indent = 0)
    {
        int width = _lines.Count == 0 ? 0 : _lines.Max(line => line.Key.Length) + 2;
        foreach (var (key, value) in _lines)
        {
            writer.WriteLine(new string(' ', indent) + (key + ":").PadRight(width) + value);
        }
    }
}
