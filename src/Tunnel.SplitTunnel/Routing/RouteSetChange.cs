namespace Tunnel.Routing;

/// <summary>
/// The difference between two route sets, which a platform applier consumes: remove <see cref="Removed"/>,
/// then add <see cref="Added"/>. A route in <see cref="Added"/> whose destination the system already has
/// (with the other decision) replaces it; it is not listed in <see cref="Removed"/>, so a route that
/// changes its decision never leaves a gap.
/// </summary>
public sealed class RouteSetChange
{
    /// <summary>Creates a change.</summary>
    /// <param name="added">Routes to add or replace.</param>
    /// <param name="removed">Routes to remove.</param>
    public RouteSetChange(IReadOnlyList<PlannedRoute> added, IReadOnlyList<PlannedRoute> removed)
    {
        ArgumentNullException.ThrowIfNull(added);
        ArgumentNullException.ThrowIfNull(removed);
        Added = added;
        Removed = removed;
    }

    /// <summary>No change.</summary>
    public static RouteSetChange None { get; } = new([], []);

    /// <summary>Routes to add, or to replace when the destination is already routed the other way.</summary>
    public IReadOnlyList<PlannedRoute> Added { get; }

    /// <summary>Routes to remove.</summary>
    public IReadOnlyList<PlannedRoute> Removed { get; }

    /// <summary>Whether there is nothing to do.</summary>
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0;

    /// <summary>A summary: <c>+2 -1</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"+{Added.Count} -{Removed.Count}";
}
