using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Tunnel.Uapi.Internal;

/// <summary>Reads newline-terminated lines from a stream through a pipe, and writes text to it.</summary>
internal sealed class UapiConnection(Stream stream) : IAsyncDisposable
{
    /// <summary>A request or answer larger than this is not a configuration: the connection is dropped.</summary>
    private const int MaxLineLength = 4096;

    private readonly PipeReader _reader = PipeReader.Create(stream);

    /// <summary>The next line without its newline, or null at the end of the stream.</summary>
    /// <exception cref="InvalidDataException">A line is longer than the protocol allows.</exception>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            SequencePosition? newline = buffer.PositionOf((byte)'\n');
            if (newline is { } end)
            {
                string line = Encoding.UTF8.GetString(buffer.Slice(0, end));
                _reader.AdvanceTo(buffer.GetPosition(1, end));
                return line;
            }

            if (buffer.Length > MaxLineLength)
            {
                throw new InvalidDataException($"A UAPI line is longer than {MaxLineLength} bytes.");
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>The lines up to the next empty line, or null if the stream ends first.</summary>
    public async ValueTask<List<string>?> ReadBlockAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                return lines;
            }

            lines.Add(line);
        }

        return null;
    }

    public async ValueTask WriteAsync(string text, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync().ConfigureAwait(false);
        await stream.DisposeAsync().ConfigureAwait(false);
    }
}
