using Tunnel.Connections;

namespace Tunnel.Platform.Internal;

/// <summary>A resolver backend whose changes are synchronous calls: the dynamic store, the registry, files.</summary>
internal interface IResolverBackend
{
    bool IsApplied { get; }

    void Apply(SystemResolverSettings settings);

    void Restore();
}

/// <summary>
/// The <see cref="ISystemResolverConfigurator"/> half that the macOS and Windows configurators share: one change at a
/// time, and the asynchronous port over a synchronous backend.
/// </summary>
internal sealed class ResolverGate(IResolverBackend backend)
{
    private readonly Lock _gate = new();

    public bool IsApplied => backend.IsApplied;

    public ValueTask ApplyAsync(SystemResolverSettings settings, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            backend.Apply(settings);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RestoreAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            backend.Restore();
        }

        return ValueTask.CompletedTask;
    }
}
