namespace Tunnel.Agent.Configuration;

/// <summary>A configuration file the agent cannot use; the message names the file and the line or JSON path.</summary>
internal sealed class AgentConfigurationException : Exception
{
    public AgentConfigurationException(string message)
        : base(message)
    {
    }

    public AgentConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AgentConfigurationException()
    {
    }
}
