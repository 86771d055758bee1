namespace Tunnel.Fuzz;

/// <summary>The seed corpus of a target: every file in <c>Corpora/&lt;target&gt;/</c> beside the executable.</summary>
internal static class Corpus
{
    public static string DirectoryOf(string target) => Path.Combine(AppContext.BaseDirectory, "Corpora", target);

    public static IReadOnlyList<byte[]> Load(string target)
    {
        string directory = DirectoryOf(target);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"No seed corpus for target '{target}' at {directory}.");
        }

        return Directory.GetFiles(directory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
    }
}
