namespace Tunnel.Fuzz;

/// <summary>Thrown by a target when an input breaks a property the parser promises (a round trip, say).</summary>
internal sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException(string message)
        : base(message)
    {
    }
}
