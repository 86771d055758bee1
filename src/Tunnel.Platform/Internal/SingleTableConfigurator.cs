using Tunnel.Connections;

namespace Tunnel.Platform.Internal;

/// <summary>
/// The <see cref="ITunnelInterfaceConfigurator"/> half that the macOS and Windows configurators share: settings applied
/// once, through a <see cref="SingleTablePlan{TRoute}"/>, after an OS step of their own; removed on dispose, then the
/// OS's resources released.
/// </summary>
/// <typeparam name="TRoute">The OS's description of a route.</typeparam>
internal sealed class SingleTableConfigurator<TRoute>(SingleTablePlan<TRoute> plan, Action? beforeApply = null, Action? afterUndo = null)
    where TRoute : struct
{
    private readonly Lock _gate = new();
    private bool _applied;
    private bool _disposed;

    public ValueTask ApplyAsync(object owner, TunnelInterfaceSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, owner);
            if (_applied)
            {
                throw new InvalidOperationException("Settings were applied already; dispose this configurator and create another.");
            }

            _applied = true;
            beforeApply?.Invoke();
            plan.Apply(settings);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _ = plan.Undo();
                afterUndo?.Invoke();
            }
        }

        return ValueTask.CompletedTask;
    }
}
