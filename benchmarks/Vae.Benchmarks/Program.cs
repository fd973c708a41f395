using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Vae.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
