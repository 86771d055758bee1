namespace Tunnel.Controller.Data;

/// <summary>An account: the scope of API tokens, devices and profiles.</summary>
internal sealed class Account
{
    public required string Id { get; set; }

    /// <summary>Bumped by every change an agent of the account may care about: what a policy stream resumes from.</summary>
    public long PolicyVersion { get; set; }

    public DateTimeOffset Created { get; set; }
}
