using System.Globalization;
using System.Text;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>
/// A dictionary of the SystemConfiguration dynamic store as <c>scutil</c>'s <c>d.show</c> prints it and
/// <c>d.add</c> builds it: string, number and array-of-string values, which is what a DNS entry holds.
/// </summary>
internal sealed class DynamicStoreDictionary
{
    /// <summary>The values: a string, or a list of strings for an array.</summary>
    public SortedDictionary<string, object> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads <c>d.show</c>'s output; null when it printed no dictionary (the key does not exist).</summary>
    public static DynamicStoreDictionary? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        int start = Array.FindIndex(lines, line => line.StartsWith("<dictionary>", StringComparison.Ordinal));
        if (start < 0)
        {
            return null;
        }

        var dictionary = new DynamicStoreDictionary();
        List<string>? array = null;
        for (int i = start + 1; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line == "}")
            {
                if (array is null)
                {
                    break; // the dictionary's end
                }

                array = null;
                continue;
            }

            int colon = line.IndexOf(" : ", StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new FormatException($"scutil printed a line that is not 'key : value': '{line}'.");
            }

            string key = line[..colon];
            string value = line[(colon + 3)..];
            if (array is not null)
            {
                array.Add(value);
            }
            else if (value == "<array> {")
            {
                array = [];
                dictionary.Values[key] = array;
            }
            else
            {
                dictionary.Values[key] = value;
            }
        }

        return dictionary;
    }

    /// <summary>The <c>scutil</c> commands that build this dictionary and store it at <paramref name="key"/>.</summary>
    public string ToScript(string key) => $"d.init\n{AddCommands()}set {Check(key)}\n";

    /// <summary>The <c>d.add</c> commands, one per value.</summary>
    public string AddCommands()
    {
        var script = new StringBuilder();
        foreach ((string name, object value) in Values)
        {
            script.Append("d.add ").Append(Check(name));
            if (value is List<string> array)
            {
                script.Append(" *");
                foreach (string item in array)
                {
                    script.Append(' ').Append(Check(item));
                }
            }
            else
            {
                string text = (string)value;
                script.Append(long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? " # " : " ").Append(Check(text));
            }

            script.Append('\n');
        }

        return script.ToString();
    }

    /// <summary>Refuses what would break out of one <c>scutil</c> word: scutil has no quoting.</summary>
    public static string Check(string word)
    {
        if (word.Length == 0 || word.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"'{word}' cannot be given to scutil: it is empty or holds a space or control character.", nameof(word));
        }

        return word;
    }
}
