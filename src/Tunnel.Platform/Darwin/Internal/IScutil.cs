namespace Tunnel.Platform.Darwin.Internal;

/// <summary>Runs a script of <c>scutil</c> commands against the SystemConfiguration dynamic store; a seam for tests.</summary>
internal interface IScutil
{
    /// <summary>Runs <paramref name="script"/> (one command per line) and returns what it printed.</summary>
    /// <exception cref="IOException">scutil failed or is missing.</exception>
    string Run(string script);
}
