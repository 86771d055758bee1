namespace Tunnel.Agent.Service;

/// <summary>A request the agent refuses, with the HTTP status the local API answers (400, 404, 409).</summary>
internal sealed class AgentRequestException(int statusCode, string message) : Exception(message)
{
    /// <summary>The status code for the local API's answer.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>The input was wrong.</summary>
    public static AgentRequestException BadRequest(string message) => new(400, message);

    /// <summary>The thing named does not exist.</summary>
    public static AgentRequestException NotFound(string message) => new(404, message);

    /// <summary>The agent's state does not allow it.</summary>
    public static AgentRequestException Conflict(string message) => new(409, message);
}
