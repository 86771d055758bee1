namespace Tunnel.Configuration;

/// <summary>A configuration file that cannot be read, with the line that made it so.</summary>
public sealed class WireGuardConfigurationException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public WireGuardConfigurationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public WireGuardConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public WireGuardConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a line of the file.</summary>
    /// <param name="lineNumber">The 1-based line number.</param>
    /// <param name="problem">What is wrong with it.</param>
    public WireGuardConfigurationException(int lineNumber, string problem)
        : base($"line {lineNumber}: {problem}")
    {
        LineNumber = lineNumber;
        Problem = problem;
    }

    /// <summary>The 1-based line number the problem is on, or 0 when it concerns the whole file.</summary>
    public int LineNumber { get; }

    /// <summary>The problem, without the line number.</summary>
    public string Problem { get; } = string.Empty;
}
