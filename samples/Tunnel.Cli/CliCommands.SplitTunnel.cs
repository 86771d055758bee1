using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using Tunnel.Cli.Output;
using Tunnel.LocalApi;

namespace Tunnel.Cli;

/// <content><c>tunnel ip ...</c> and <c>tunnel host ...</c>: one API list, shown and edited one kind at a time.</content>
internal sealed partial class CliCommands
{
    private Command SplitTunnel() => new("tunnel", "Edit the split-tunnel entries: addresses and prefixes (ip) or domain patterns (host).")
    {
        SplitTunnelKind(SplitTunnelKinds.Ip, "prefix", "An IP address or CIDR prefix (10.0.0.0/8, 2001:db8::/32).", InputValidation.Prefix),
        SplitTunnelKind(SplitTunnelKinds.Host, "pattern", "A host name, or *.domain for its subdomains.", validate: null),
    };

    private Command SplitTunnelKind(string kind, string argumentName, string argumentDescription, Action<ArgumentResult>? validate)
    {
        Argument<string> EntryArgument()
        {
            var argument = new Argument<string>(argumentName) { Description = argumentDescription };
            if (validate is not null)
            {
                argument.Validators.Add(validate);
            }

            return argument;
        }

        string what = kind == SplitTunnelKinds.Ip ? "an address or prefix" : "a domain pattern";

        var addEntry = EntryArgument();
        var description = new Option<string>("--description") { Description = "Why the entry is there, shown in lists and by explain.", HelpName = "text" };
        var add = new Command("add", $"Add {what}.") { addEntry, description };
        add.SetAction((parse, cancellationToken) => _runner.RunAsync(
            parse,
            (client, ct) => client.SendAsync(
                HttpMethod.Post,
                LocalApiPaths.SplitTunnel,
                new SplitTunnelEntryRequest(parse.GetValue(addEntry)!, parse.GetValue(description), kind),
                LocalApiJsonContext.Default.SplitTunnelEntryRequest,
                LocalApiJsonContext.Default.SplitTunnelEntry,
                ct),
            (writer, entry) => SplitTunnelFormatter.WriteAdded(writer, entry!),
            json: null,
            cancellationToken));

        var removeEntry = EntryArgument();
        var remove = new Command("remove", $"Remove {what}.") { removeEntry };
        remove.SetAction((parse, cancellationToken) => _runner.RunAsync(
            parse,
            (client, ct) => client.SendAsync<SplitTunnelEntry>(HttpMethod.Delete, $"{LocalApiPaths.SplitTunnel}?entry={Uri.EscapeDataString(parse.GetValue(removeEntry)!)}", responseType: null, ct),
            (writer, _) => SplitTunnelFormatter.WriteRemoved(writer, parse.GetValue(removeEntry)!),
            json: null,
            cancellationToken));

        var list = new Command("list", $"List the {kind} entries.");
        list.SetAction((parse, cancellationToken) => _runner.RunAsync(
            parse,
            (client, ct) => client.GetAsync(LocalApiPaths.SplitTunnel, LocalApiJsonContext.Default.IReadOnlyListSplitTunnelEntry, ct),
            (writer, entries) => SplitTunnelFormatter.WriteList(writer, [.. entries!.Where(entry => IsKind(entry.Kind, kind))], kind),
            (writer, json) => JsonOutput.WriteIndented(writer, json, element => IsKind(KindOf(element), kind)),
            cancellationToken));

        return new Command(kind, kind == SplitTunnelKinds.Ip ? "Addresses and CIDR prefixes." : "Host names and domain patterns.") { add, remove, list };
    }

    private static bool IsKind(string? entryKind, string kind) => string.Equals(entryKind, kind, StringComparison.OrdinalIgnoreCase);

    private static string? KindOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String
            ? kind.GetString()
            : null;
}
