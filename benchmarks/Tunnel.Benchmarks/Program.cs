using BenchmarkDotNet.Running;

// Run everything:      dotnet run -c Release --project benchmarks/Tunnel.Benchmarks -- --filter '*'
// One class, quickly:  dotnet run -c Release --project benchmarks/Tunnel.Benchmarks -- --filter '*Blake2s*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
