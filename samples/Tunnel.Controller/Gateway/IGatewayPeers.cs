namespace Tunnel.Controller.Gateway;

/// <summary>The gateway's peers, as enrolment and revocation change them.</summary>
internal interface IGatewayPeers
{
    /// <summary>Whether a gateway is attached (otherwise enrolment still assigns addresses, and nothing is applied).</summary>
    bool IsAttached { get; }

    /// <summary>The gateway's public key, base64; null when unknown.</summary>
    Task<string?> GetPublicKeyAsync(CancellationToken cancellationToken);

    /// <summary>Adds (or updates) a peer with its one tunnel address.</summary>
    /// <exception cref="GatewayException">The gateway refused or could not be reached.</exception>
    Task AddAsync(string publicKey, string address, CancellationToken cancellationToken);

    /// <summary>Removes a peer; a peer the gateway does not have is not an error.</summary>
    /// <exception cref="GatewayException">The gateway refused or could not be reached.</exception>
    Task RemoveAsync(string publicKey, CancellationToken cancellationToken);
}

/// <summary>The gateway refused a change or could not be reached.</summary>
internal sealed class GatewayException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>No gateway attached: addresses are assigned and kept, nothing is applied anywhere.</summary>
internal sealed class DetachedGatewayPeers(string? publicKey) : IGatewayPeers
{
    public bool IsAttached => false;

    public Task<string?> GetPublicKeyAsync(CancellationToken cancellationToken) => Task.FromResult(publicKey);

    public Task AddAsync(string publicKey, string address, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RemoveAsync(string publicKey, CancellationToken cancellationToken) => Task.CompletedTask;
}
