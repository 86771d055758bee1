using SharpFuzz;
using Tunnel.Fuzz;
using Tunnel.Fuzz.Targets;

IFuzzTarget[] targets = [new KeyTextTarget(), new Tai64NTarget(), new AeadOpenTarget(), new MessageTarget(), new DecapsulateTarget(), new DnsMessageTarget(), new WireGuardConfTarget(), new UapiSetTarget(), new AgentConfigTarget(), new AgentLocalSettingsTarget(), new LocalApiTarget(), new IPPacketTarget()];

const string Usage = """
    usage: tunnel-fuzz list
           tunnel-fuzz smoke [target...] [--mutations N] [--seed S]
           tunnel-fuzz run <target> <file...>   (run a target on inputs, e.g. afl's crashes; prints each finding)
           tunnel-fuzz write-seeds decapsulate   (rewrite that target's generated seed corpus)
           tunnel-fuzz afl <target>         (run under afl-fuzz, on an assembly instrumented with sharpfuzz)
           tunnel-fuzz libfuzzer <target>   (run under libfuzzer-dotnet)
    """;

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

IFuzzTarget? Find(string name) => targets.FirstOrDefault(t => t.Name == name);

switch (args[0])
{
    case "list":
        foreach (var target in targets)
        {
            Console.WriteLine(target.Name);
        }

        return 0;

    case "smoke":
    {
        int mutations = 5000, seed = 1;
        var selected = new List<IFuzzTarget>();
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--mutations" when i + 1 < args.Length && int.TryParse(args[i + 1], out mutations):
                case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], out seed):
                    i++;
                    break;
                default:
                    var target = Find(args[i]);
                    if (target is null)
                    {
                        Console.Error.WriteLine($"tunnel-fuzz: unknown target or option '{args[i]}'.\n{Usage}");
                        return 2;
                    }

                    selected.Add(target);
                    break;
            }
        }

        return SmokeRunner.Run(selected.Count > 0 ? selected : targets, mutations, seed, Console.Out);
    }

    case "run" when args.Length >= 3 && Find(args[1]) is { } target:
    {
        int findings = 0;
        foreach (string file in args[2..])
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
                Console.WriteLine($"  ok   {file}");
            }
            catch (Exception e)
            {
                findings++;
                Console.WriteLine($"  FAIL {file}: {e}");
            }
        }

        return findings == 0 ? 0 : 1;
    }

    case "write-seeds" when args.Length == 2 && args[1] == "decapsulate":
    {
        string directory = Path.Combine(args.Length > 2 ? args[2] : Path.Combine("fuzz", "Tunnel.Fuzz"), "Corpora", "decapsulate");
        Directory.CreateDirectory(directory);
        var datagrams = new DecapsulateScenario().Play();
        for (int i = 0; i < datagrams.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(directory, $"scenario-{i:D2}"), datagrams[i]);
        }

        Console.WriteLine($"wrote {datagrams.Count} seeds to {directory}");
        return 0;
    }

    case "afl" or "libfuzzer" when args.Length == 2 && Find(args[1]) is { } target:
        if (args[0] == "afl")
        {
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                target.Run(memory.GetBuffer().AsSpan(0, (int)memory.Length));
            });
        }
        else
        {
            Fuzzer.LibFuzzer.Run(span => target.Run(span));
        }

        return 0;

    default:
        Console.Error.WriteLine(Usage);
        return 2;
}
