namespace Tunnel.Routing;

/// <summary>What <see cref="SplitTunnelController.LearnAnswerAsync"/> made of one DNS answer.</summary>
/// <param name="RoutesAdded">Routes the answer added (and the system now has).</param>
/// <param name="AddressesRefused">Addresses of the answer a limit refused to learn.</param>
/// <param name="MayRelease">
/// Whether the answer may go to the application: <see langword="false"/> when the name's rule sends it into
/// the tunnel but its routes are not all in, so the caller answers SERVFAIL instead (fail closed).
/// </param>
public readonly record struct AnswerLearning(int RoutesAdded, int AddressesRefused, bool MayRelease);
