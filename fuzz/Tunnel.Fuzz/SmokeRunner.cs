using System.Diagnostics;

namespace Tunnel.Fuzz;

/// <summary>
/// The smoke run the test command performs: each target over its seed corpus, then over mutated inputs.
/// It is no substitute for a fuzzing campaign (<c>afl</c> or <c>libfuzzer</c>); it proves that every
/// corpus entry and a few thousand near misses pass through the parser without a finding.
/// </summary>
internal static class SmokeRunner
{
    public static int Run(IEnumerable<IFuzzTarget> targets, int mutations, int seed, TextWriter output)
    {
        int passed = 0, failed = 0;
        foreach (var target in targets)
        {
            var stopwatch = Stopwatch.StartNew();
            IReadOnlyList<byte[]> corpus = Corpus.Load(target.Name);
            string? finding = null;

            for (int i = 0; i < corpus.Count && finding is null; i++)
            {
                finding = TryRun(target, corpus[i], $"corpus entry {i}");
            }

            var mutator = new Mutator(seed);
            for (int i = 0; i < mutations && finding is null; i++)
            {
                byte[] input = mutator.Mutate(corpus);
                finding = TryRun(target, input, $"mutation {i} (seed {seed})");
            }

            if (finding is null)
            {
                passed++;
                output.WriteLine($"  ok   {target.Name,-12} {corpus.Count,4} seeds + {mutations} mutations in {stopwatch.ElapsedMilliseconds} ms");
            }
            else
            {
                failed++;
                output.WriteLine($"  FAIL {target.Name,-12} {finding}");
            }
        }

        output.WriteLine($"fuzz smoke: {passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static string? TryRun(IFuzzTarget target, byte[] input, string what)
    {
        try
        {
            target.Run(input);
            return null;
        }
        catch (Exception e)
        {
            return $"{what}: input {Convert.ToHexStringLower(input)}: {e.GetType().Name}: {e.Message}";
        }
    }
}
