using System.Text.Json;

namespace Tunnel.Core.Tests.Support;

/// <summary>Reads the known-answer files copied beside the test assembly (see Vectors/README.md).</summary>
internal static class Vectors
{
    private static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "Vectors", file);

    internal static JsonElement Json(string file) => JsonDocument.Parse(File.ReadAllText(PathOf(file))).RootElement;

    internal static byte[] Hex(this JsonElement element, string property) =>
        Convert.FromHexString(element.GetProperty(property).GetString()!);

    /// <summary>Parses the BLAKE2 reference format: blocks of "in:", "key:" and "hash:" lines.</summary>
    internal static IEnumerable<(byte[] Input, byte[] Key, byte[] Hash)> HashEntries(string file)
    {
        byte[]? input = null, key = null;
        foreach (string raw in File.ReadLines(PathOf(file)))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            string name = line[..colon];
            byte[] value = Convert.FromHexString(line[(colon + 1)..].Trim());
            switch (name)
            {
                case "in": input = value; break;
                case "key": key = value; break;
                case "hash":
                    yield return (input!, key!, value);
                    input = key = null;
                    break;
                default: throw new InvalidDataException($"Unexpected line '{line}' in {file}.");
            }
        }
    }
}
