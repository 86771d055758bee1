using Tunnel.Configuration;
using static Tunnel.Fuzz.FuzzText;

namespace Tunnel.Fuzz.Targets;

/// <summary>
/// The wg-quick <c>.conf</c> reader (<see cref="WireGuardConfiguration.Parse"/>), which takes an operator's
/// file: a <see cref="WireGuardConfigurationException"/> naming a line of the input, or a configuration that
/// writes out (<see cref="WireGuardConfiguration.ToConfigurationText"/>) to text that parses back to the same text.
/// </summary>
internal sealed class WireGuardConfTarget : IFuzzTarget
{
    public string Name => "wg-conf";

    public void Run(ReadOnlySpan<byte> data)
    {
        string text = Decode(data);
        WireGuardConfiguration configuration;
        try
        {
            configuration = WireGuardConfiguration.Parse(text);
        }
        catch (WireGuardConfigurationException error)
        {
            int lines = text.Split('\n').Length;
            Require(error.LineNumber >= 1 && error.LineNumber <= lines, $"an error on line {error.LineNumber} of {lines}");
            Require(error.Problem.Length > 0 && error.Message.Contains(error.Problem, StringComparison.Ordinal), "an error without its problem");
            return;
        }

        string written = configuration.ToConfigurationText();
        Require(WireGuardConfiguration.TryParse(written, out var again, out var rereadError), $"the written configuration does not parse: {rereadError?.Message}\n{written}");
        Require(again!.ToConfigurationText() == written, $"the configuration does not round-trip:\n{written}\n---\n{again}");
        Require(again.Peers.Count == configuration.Peers.Count, "peers lost in the round trip");
    }
}
