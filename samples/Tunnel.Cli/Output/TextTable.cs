namespace Tunnel.Cli.Output;

/// <summary>
/// Columns of plain text, each as wide as its widest cell, separated by two spaces: readable in a terminal and
/// still easy to cut with <c>awk</c>, which is why there are no colours or box drawing.
/// </summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    /// <summary>A table with these column headers.</summary>
    /// <param name="headers">The headers, in capitals by convention.</param>
    public TextTable(params string[] headers) => _headers = headers;

    /// <summary>Adds a row; missing cells print empty.</summary>
    /// <param name="cells">One cell per column.</param>
    public void Add(params string[] cells) => _rows.Add(cells);

    /// <summary>Writes the headers and the rows, without trailing spaces.</summary>
    /// <param name="writer">Where to write.</param>
    public void WriteTo(TextWriter writer)
    {
        int[] widths = new int[_headers.Length];
        foreach (string[] row in _rows.Prepend(_headers))
        {
            for (int i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], Cell(row, i).Length);
            }
        }

        foreach (string[] row in _rows.Prepend(_headers))
        {
            string line = string.Join("  ", widths.Select((width, i) => Cell(row, i).PadRight(width)));
            writer.WriteLine(line.TrimEnd());
        }
    }

    private static string Cell(string[] row, int column) => column < row.Length ? row[column] : "";
}
