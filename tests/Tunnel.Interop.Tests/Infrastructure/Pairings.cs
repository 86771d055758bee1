namespace Tunnel.Interop.Tests.Infrastructure;

/// <summary>Every test runs with us on side 1 against wireguard-go, with wireguard-go on side 1 against us, and us against us.</summary>
public static class Pairings
{
    public static IReadOnlyList<(Implementation One, Implementation Two)> Pairs { get; } =
    [
        (Implementation.Tunnel, Implementation.WireGuardGo),
        (Implementation.WireGuardGo, Implementation.Tunnel),
        (Implementation.Tunnel, Implementation.Tunnel),
    ];

    public static TheoryData<Implementation, Implementation> All
    {
        get
        {
            var data = new TheoryData<Implementation, Implementation>();
            foreach (var (one, two) in Pairs)
            {
                data.Add(one, two);
            }

            return data;
        }
    }

    public static TheoryData<Implementation, Implementation, bool> AllBothDirections
    {
        get
        {
            var data = new TheoryData<Implementation, Implementation, bool>();
            foreach (var (one, two) in Pairs)
            {
                data.Add(one, two, false);
                data.Add(one, two, true);
            }

            return data;
        }
    }
}
