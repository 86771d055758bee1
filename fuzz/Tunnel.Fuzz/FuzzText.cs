using System.Text;

namespace Tunnel.Fuzz;

/// <summary>Helpers shared by the targets that read text files and JSON bodies.</summary>
internal static class FuzzText
{
    /// <summary>The input as the file readers see it: UTF-8, invalid sequences replaced (as File.ReadAllText does).</summary>
    public static string Decode(ReadOnlySpan<byte> data) => Encoding.UTF8.GetString(data);

    /// <summary>Throws a finding unless <paramref name="condition"/> holds.</summary>
    public static void Require(bool condition, string violation)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(violation);
        }
    }
}
