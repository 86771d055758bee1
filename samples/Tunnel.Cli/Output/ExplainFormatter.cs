using Tunnel.LocalApi;

namespace Tunnel.Cli.Output;

/// <summary><c>explain</c>: why traffic to an address or name goes where it goes.</summary>
internal static class ExplainFormatter
{
    /// <summary>Writes the decision, what made it, and the agent's sentence about it.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="explain">The agent's explanation.</param>
    public static void Write(TextWriter writer, ExplainResponse explain)
    {
        var block = new KeyValueBlock();
        block.Add("Target", explain.Target);
        block.Add("Decision", explain.Decision);
        block.Add("Decided by", explain.Source);
        block.Add("Rule", explain.Rule);
        block.Add("Description", explain.Description);
        block.Add("Mode", explain.Mode);
        block.Add("Learned from", explain.LearnedFrom.Count == 0 ? null : string.Join(", ", explain.LearnedFrom));
        block.Add("Expires in", explain.ExpiresInSeconds is { } seconds ? Units.Duration(seconds) : null);
        block.WriteTo(writer);
        writer.WriteLine();
        writer.WriteLine(explain.Reason);
    }
}
