using System.Text;
using Tunnel.Platform.Darwin.Internal;

namespace Tunnel.Platform.Tests.Darwin;

/// <summary>
/// The SystemConfiguration dynamic store as <c>scutil</c> shows it: keys of dictionaries of strings, numbers and
/// arrays, the commands <c>open</c>, <c>show</c>, <c>d.init</c>, <c>d.add</c>, <c>set</c>, <c>remove</c>, <c>quit</c>.
/// </summary>
internal sealed class FakeScutil : IScutil
{
    public Dictionary<string, SortedDictionary<string, string[]>> Store { get; } = new(StringComparer.Ordinal);

    public List<string> Scripts { get; } = [];

    public bool FailNext { get; set; }

    public string Run(string script)
    {
        Scripts.Add(script);
        if (FailNext)
        {
            FailNext = false;
            throw new IOException("/usr/sbin/scutil failed with exit code 1: simulated");
        }

        var output = new StringBuilder();
        SortedDictionary<string, string[]>? current = null;
        bool open = false;
        foreach (string line in script.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] words = line.Split(' ');
            switch (words[0])
            {
                case "open":
                    open = true;
                    break;
                case "quit":
                    break;
                case "show" when open:
                    Show(output, words[1]);
                    break;
                case "d.init":
                    current = new(StringComparer.Ordinal);
                    break;
                case "d.add":
                    current![words[1]] = words.Length > 2 && words[2] is "*" or "#" ? (words[2] == "#" ? ["#" + words[3]] : words[3..]) : [words[2]];
                    if (words[2] == "*")
                    {
                        current[words[1]] = ["*", .. words[3..]];
                    }

                    break;
                case "set" when open:
                    Store[words[1]] = current!;
                    break;
                case "remove" when open:
                    Store.Remove(words[1]);
                    break;
                default:
                    throw new InvalidOperationException($"scutil: unknown or out-of-order command '{line}'");
            }
        }

        return output.ToString();
    }

    public void Set(string key, params (string Name, string[] Value)[] values)
    {
        var dictionary = new SortedDictionary<string, string[]>(StringComparer.Ordinal);
        foreach ((string name, string[] value) in values)
        {
            dictionary[name] = value;
        }

        Store[key] = dictionary;
    }

    private void Show(StringBuilder output, string key)
    {
        if (!Store.TryGetValue(key, out SortedDictionary<string, string[]>? dictionary))
        {
            output.Append("  No such key\n");
            return;
        }

        output.Append("<dictionary> {\n");
        foreach ((string name, string[] value) in dictionary)
        {
            if (value.Length > 0 && value[0] == "*")
            {
                output.Append("  ").Append(name).Append(" : <array> {\n");
                for (int i = 1; i < value.Length; i++)
                {
                    output.Append("    ").Append(i - 1).Append(" : ").Append(value[i]).Append('\n');
                }

                output.Append("  }\n");
            }
            else
            {
                output.Append("  ").Append(name).Append(" : ").Append(value[0].TrimStart('#')).Append('\n');
            }
        }

        output.Append("}\n");
    }
}
