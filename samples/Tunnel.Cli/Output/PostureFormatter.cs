using Tunnel.LocalApi;

namespace Tunnel.Cli.Output;

/// <summary><c>posture</c>: what the agent reports about this device.</summary>
internal static class PostureFormatter
{
    /// <summary>Writes the posture checks, then how each was answered.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="posture">The agent's posture report.</param>
    public static void Write(TextWriter writer, PostureResponse posture)
    {
        var block = new KeyValueBlock();
        block.Add("Operating system", $"{posture.OperatingSystem} {posture.OperatingSystemVersion}".Trim());
        block.Add("Kernel", posture.KernelVersion);
        block.Add("Disk encryption", posture.DiskEncryption);
        block.Add("Firewall", posture.Firewall);
        block.Add("Public key", posture.PublicKey);
        block.Add("Agent version", posture.AgentVersion);
        block.Add("Collected at", Units.Time(posture.CollectedAt));
        block.WriteTo(writer);

        if (posture.Details.Count > 0)
        {
            writer.WriteLine();
            writer.WriteLine("Details");
            var details = new KeyValueBlock();
            foreach (var (check, answer) in posture.Details.OrderBy(detail => detail.Key, StringComparer.Ordinal))
            {
                details.Add(check, answer);
            }

            details.WriteTo(writer, indent: 2);
        }
    }
}
