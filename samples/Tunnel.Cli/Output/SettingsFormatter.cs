using Tunnel.LocalApi;

namespace Tunnel.Cli.Output;

/// <summary><c>settings</c>.</summary>
internal static class SettingsFormatter
{
    /// <summary>Writes each setting with its value, where it came from, and whether it can change live.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="settings">The settings.</param>
    public static void Write(TextWriter writer, IReadOnlyList<SettingEntry> settings)
    {
        if (settings.Count == 0)
        {
            writer.WriteLine("No settings.");
            return;
        }

        var table = new TextTable("NAME", "VALUE", "SOURCE", "LIVE");
        foreach (var setting in settings)
        {
            table.Add(setting.Name, setting.Value, setting.Source, Units.YesNo(setting.Live));
        }

        table.WriteTo(writer);
    }
}
