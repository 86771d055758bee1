using System.CommandLine;
using Tunnel.Cli.Output;
using Tunnel.LocalApi;

namespace Tunnel.Cli;

/// <content><c>dns fallback ...</c>: domains whose queries go to their own servers instead of the tunnel's.</content>
internal sealed partial class CliCommands
{
    private Command Dns()
    {
        var addSuffix = new Argument<string>("suffix") { Description = "A domain; its subdomains are included (corp.example.com)." };
        var servers = new Argument<string[]>("server") { Description = "DNS servers, as address or address:port.", Arity = ArgumentArity.OneOrMore };
        servers.Validators.Add(InputValidation.DnsServer);
        var add = new Command("add", "Send queries for a domain and its subdomains to these servers.") { addSuffix, servers };
        add.SetAction((parse, cancellationToken) => _runner.RunAsync(
            parse,
            (client, ct) => client.SendAsync(
                HttpMethod.Post,
                LocalApiPaths.FallbackDomains,
                new FallbackDomainEntry(parse.GetValue(addSuffix)!, parse.GetValue(servers)!),
                LocalApiJsonContext.Default.FallbackDomainEntry,
                LocalApiJsonContext.Default.FallbackDomainEntry,
                ct),
            (writer, domain) => FallbackDomainFormatter.WriteAdded(writer, domain!),
            json: null,
            cancellationToken));

        var removeSuffix = new Argument<string>("suffix") { Description = "The domain, as listed." };
        var remove = new Command("remove", "Stop sending a domain's queries to its own servers.") { removeSuffix };
        remove.SetAction((parse, cancellationToken) => _runner.RunAsync(
            parse,
            (client, ct) => client.SendAsync<FallbackDomainEntry>(HttpMethod.Delete, $"{LocalApiPaths.FallbackDomains}?suffix={Uri.EscapeDataString(parse.GetValue(removeSuffix)!)}", responseType: null, ct),
            (writer, _) => FallbackDomainFormatter.WriteRemoved(writer, parse.GetValue(removeSuffix)!),
            json: null,
            cancellationToken));

        var list = new Command("list", "List the fallback domains and their servers.");
        list.SetAction((parse, cancellationToken) => _runner.RunAsync(
            parse,
            (client, ct) => client.GetAsync(LocalApiPaths.FallbackDomains, LocalApiJsonContext.Default.IReadOnlyListFallbackDomainEntry, ct),
            (writer, domains) => FallbackDomainFormatter.WriteList(writer, domains!),
            json: null,
            cancellationToken));

        var fallback = new Command("fallback", "Domains resolved by their own DNS servers.") { add, remove, list };
        return new Command("dns", "The agent's DNS forwarder.") { fallback };
    }
}
