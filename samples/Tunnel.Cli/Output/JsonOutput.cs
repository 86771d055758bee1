using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tunnel.Cli.Output;

/// <summary>
/// <c>--json</c>: the agent's own JSON, re-indented but otherwise untouched, so scripts see exactly the contract
/// and not a round trip through our types (which would drop fields a newer agent adds).
/// </summary>
internal static class JsonOutput
{
    // Output for a terminal, never embedded in HTML: keep '+' in offsets and non-ASCII names readable.
    private static readonly JavaScriptEncoder s_encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Writes <paramref name="json"/> indented, followed by a newline.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="json">A JSON document.</param>
    public static void WriteIndented(TextWriter writer, string json) => writer.WriteLine(Reformat(json, indented: true));

    /// <summary>
    /// Writes the elements of the array <paramref name="json"/> that <paramref name="keep"/> accepts, indented, for
    /// commands that show part of a list (the elements themselves are still the agent's).
    /// </summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="json">A JSON array.</param>
    /// <param name="keep">Whether to keep an element.</param>
    public static void WriteIndented(TextWriter writer, string json, Func<JsonElement, bool> keep)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            WriteIndented(writer, json);
            return;
        }

        writer.WriteLine(Write(jsonWriter =>
        {
            jsonWriter.WriteStartArray();
            foreach (var element in document.RootElement.EnumerateArray().Where(keep))
            {
                element.WriteTo(jsonWriter);
            }

            jsonWriter.WriteEndArray();
        }, indented: true));
    }

    /// <summary>Writes <paramref name="json"/> on one line, as <c>watch --json</c> promises one object per line.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="json">A JSON document.</param>
    public static void WriteLine(TextWriter writer, string json) => writer.WriteLine(Reformat(json, indented: false));

    private static string Reformat(string json, bool indented)
    {
        using var document = JsonDocument.Parse(json);
        return Write(document.WriteTo, indented);
    }

    private static string Write(Action<Utf8JsonWriter> write, bool indented)
    {
        using var buffer = new MemoryStream();
        using (var jsonWriter = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = s_encoder }))
        {
            write(jsonWriter);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
