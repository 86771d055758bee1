using System.Globalization;
using System.Text;

namespace Tunnel.Cli.Output;

/// <summary>
/// Writes through to another writer with every control character but the line feed escaped as <c>\xHH</c>
/// (<c>\uHHHH</c> above U+00FF): text from the agent (descriptions, names, error messages) reaches a terminal,
/// and an escape sequence in it must print as text, not move the cursor, retitle the window or hide a line.
/// JSON output already escapes control characters, so wrapping it changes nothing.
/// </summary>
internal sealed class ControlCharacterEscapingWriter(TextWriter inner) : TextWriter(CultureInfo.InvariantCulture)
{
    /// <inheritdoc/>
    public override Encoding Encoding => inner.Encoding;

    /// <summary>The text with every control character but <c>\n</c> escaped.</summary>
    public static string Escape(string text)
    {
        if (!text.Any(NeedsEscape))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            Append(escaped, c);
        }

        return escaped.ToString();
    }

    /// <inheritdoc/>
    public override void Write(char value)
    {
        if (NeedsEscape(value))
        {
            inner.Write(Escape(value.ToString()));
        }
        else
        {
            inner.Write(value);
        }
    }

    /// <inheritdoc/>
    public override void Write(string? value) => inner.Write(value is null ? null : Escape(value));

    /// <inheritdoc/>
    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    /// <inheritdoc/>
    public override void WriteLine(string? value)
    {
        Write(value);
        inner.Write(CoreNewLine);
    }

    /// <inheritdoc/>
    public override void WriteLine() => inner.Write(CoreNewLine);

    /// <inheritdoc/>
    public override void Flush() => inner.Flush();

    /// <inheritdoc/>
    public override Task FlushAsync() => inner.FlushAsync();

    private static bool NeedsEscape(char c) => c != '\n' && char.IsControl(c);

    private static void Append(StringBuilder text, char c)
    {
        if (!NeedsEscape(c))
        {
            text.Append(c);
        }
        else if (c <= '\u00FF')
        {
            text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
        }
    }
}
