namespace Tunnel.Fuzz;

/// <summary>
/// One parser under fuzzing. <see cref="Run"/> must return normally for every input: an exception, or an
/// <see cref="FuzzInvariantException"/> for a broken round trip, is a finding.
/// </summary>
internal interface IFuzzTarget
{
    /// <summary>The name used on the command line and as the corpus folder, <c>Corpora/&lt;name&gt;/</c>.</summary>
    string Name { get; }

    void Run(ReadOnlySpan<byte> data);
}
