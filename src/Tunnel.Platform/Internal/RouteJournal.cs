using System.Globalization;

namespace Tunnel.Platform.Internal;

/// <summary>Writes a route as one line of a <see cref="RouteJournal{TRoute}"/> and reads it back.</summary>
/// <typeparam name="TRoute">The OS's description of a route.</typeparam>
internal interface IRouteCodec<TRoute>
{
    string Format(TRoute route);

    bool TryParse(string line, out TRoute route);
}

/// <summary>
/// The routes a tunnel added outside its own interface (an endpoint's bypass, a direct entry, a blackhole), in a
/// file written before each route exists and after each is gone. Routes through the interface go with it; these
/// stay when the process dies, and the file is how the next process finds and removes them, and only them.
/// </summary>
/// <typeparam name="TRoute">The OS's description of a route.</typeparam>
internal sealed class RouteJournal<TRoute>(string path, IRouteCodec<TRoute> codec)
    where TRoute : struct
{
    /// <summary>The suffix of every journal file, after the interface's name and the journal's purpose.</summary>
    public const string Suffix = ".routes";

    private readonly List<TRoute> _routes = [];

    /// <summary>The journal of <paramref name="interfaceName"/>'s routes for <paramref name="purpose"/> (the connection's, the split tunnel's) in <paramref name="directory"/>.</summary>
    public static string PathFor(string directory, string interfaceName, string purpose) => Path.Combine(directory, $"{interfaceName}.{purpose}{Suffix}");

    /// <summary>Records <paramref name="route"/> before it is added.</summary>
    public void Adding(TRoute route)
    {
        _routes.Add(route);
        Save();
    }

    /// <summary>Forgets <paramref name="route"/> once it is gone (or was never added).</summary>
    public void Removed(TRoute route)
    {
        if (_routes.Remove(route))
        {
            Save();
        }
    }

    /// <summary>
    /// Removes the routes in the journals of <paramref name="directory"/> whose interface is gone (its owner died), and
    /// those of <paramref name="current"/> (just made, so whatever its journals hold is a dead predecessor's), then the
    /// journals. A route already gone is not an error.
    /// </summary>
    /// <returns>How many routes were removed.</returns>
    public static int RemoveStale(string directory, IRouteCodec<TRoute> codec, Func<string, bool> interfaceExists, Func<TRoute, bool> delete, string? current = null)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(directory, "*" + Suffix))
        {
            string name = Path.GetFileName(file);
            int purpose = name[..^Suffix.Length].LastIndexOf('.');
            string interfaceName = purpose > 0 ? name[..purpose] : name[..^Suffix.Length];
            if (interfaceName != current && interfaceExists(interfaceName))
            {
                continue; // a live tunnel's
            }

            foreach (string line in File.ReadAllLines(file))
            {
                if (codec.TryParse(line, out TRoute route) && delete(route))
                {
                    removed++;
                }
            }

            File.Delete(file);
        }

        return removed;
    }

    private void Save()
    {
        if (_routes.Count == 0)
        {
            File.Delete(path);
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        File.WriteAllLines(temporary, _routes.Select(codec.Format));
        File.Move(temporary, path, overwrite: true);
    }
}
