using System.Diagnostics;
using System.Globalization;
using Vae.Data;
using Vae.Kernels;
using Vae.Model;
using Vae.Training;

namespace Vae.Cli.Commands;

/// <summary>
/// <c>vae bench train</c>: steady-state training speed of the default model (images per second), the figure to compare
/// with PyTorch. Warm-up steps are excluded; the best of several timed runs is reported, since the machine is shared.
/// </summary>
public sealed class BenchTrainCommand : ICommand
{
    public string Name => "bench train";
    public string Summary => "steady-state training images/s of the default VAE (warm-up excluded)";

    public int Run(IReadOnlyList<string> args)
    {
        // Gemm's switches are process-wide: an in-process caller (the tests) gets its own values back, whatever
        // --split-k and --claim set and however the run ended.
        (bool splitFewRowsByK, bool claimTiles) = (Gemm.SplitFewRowsByK, Gemm.ClaimTiles);
        try { return Bench(args); }
        finally { (Gemm.SplitFewRowsByK, Gemm.ClaimTiles) = (splitFewRowsByK, claimTiles); }
    }

    private int Bench(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name,
                Summary + ". Uses random images unless --data holds MNIST (speed does not depend on pixel values).")
            .Option("batch-size", "128", "images per step", "B")   // a benchmark: no epochs, lr or seed to choose
            .Option("steps", "200", "timed steps per repetition", "N")
            .Option("warmup", "30", "untimed steps first", "N")
            .Option("repeats", "5", "timed repetitions; the best is reported", "R")
            .Option("data", "", "optional MNIST folder to take the images from", "DIR")
            .Threads()
            .ModelOptions()
            .ObjectiveOptions()
            .Option("binarize", "none", "none, or dynamic: draw x ~ Bernoulli(intensity) at every use, as `vae train`",
                "none|dynamic")
            .Option("update", "fused", "fused: Adam updates each weight inside the backward pass as its gradient "
                + "comes out of the product (what `vae train` does); separate: after the pass (same bits); both: "
                + "alternate the two every repetition in this one run and report each", "fused|separate|both")
            .Option("split-k", "on", "on: a product of at most 24 rows times a row-major weight whose K spans at "
                + "least one 192-deep block per thread and at most 16 (a layer's input gradient at a small batch) is "
                + "cut over the threads by K blocks, each thread reading only its own rows of W (what `vae train` "
                + "does); off: cut by columns (same bits); both: alternate the two every repetition; no effect on 1 "
                + "thread",
                "on|off|both")
            .Option("claim", "on", "on: on 2 threads a product is cut in two strips shared out tile by tile, the "
                + "caller taking tiles from the front and the worker from the back until they meet, so neither waits "
                + "for the other when their cores run at different speeds (what `vae train` does; each thread packs "
                + "the operand that is not cut once, so only products where that fits); off: fixed strips, one per "
                + "thread or two for large products (same bits); both: alternate the two every repetition; no effect "
                + "on other thread counts",
                "on|off|both")
            .Option("adapt", "off", "off: every step on --threads, so the figure is that thread count's; on: as "
                + "`vae train` does, the steps timed on --threads and on one every few thousand steps and the faster "
                + "kept (ThreadChooser); both: alternate the two every repetition", "on|off|both")
            .Flag("profile", "after the timed runs, one more run of --steps with every phase and op timed: where a "
                + "step's time goes (these clock reads slow it slightly, so the images/s above exclude them)");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }
        int batch = p.GetInt("batch-size", 1, 100_000);
        int steps = p.GetInt("steps", 1, 1_000_000);
        int warmup = p.GetInt("warmup", 0, 1_000_000);
        int repeats = p.GetInt("repeats", 1, 1000);
        int threads = p.GetThreads();
        var config = p.GetModelConfig();
        var objective = p.GetObjective();
        CommonOptions.EnsureTrainable(config, objective, batch);
        string dataDir = p.GetRequiredString("data");
        string update = p.GetChoice("update", "fused", "separate", "both");
        bool fused = update != "separate";
        string splitK = p.GetChoice("split-k", "on", "off", "both");
        string claim = p.GetChoice("claim", "on", "off", "both");
        string adapt = p.GetChoice("adapt", "off", "on", "both");
        if (new[] { update, splitK, claim, adapt }.Count(v => v == "both") > 1)
            throw new UsageException(
                "more than one of --update, --split-k, --claim and --adapt is both: alternate one at a time");

        ImageSet train;
        string source;
        if (dataDir.Length > 0)
        {
            train = Mnist.Load(dataDir).Train;
            source = $"MNIST from {dataDir}";
        }
        else
        {
            int count = batch * 50; // whole batches only, so every timed step has the same shape
            var images = new byte[count * Mnist.Pixels];
            new Random(1).NextBytes(images);
            train = new ImageSet(images, new byte[count]);
            source = "random images";
        }

        if (p.GetChoice("binarize", "none", "dynamic") == "dynamic") train = train.WithDynamicBinarization(1);
        var model = new VaeModel(config);
        var options = new TrainOptions
        {
            BatchSize = batch, Threads = threads, Epochs = 1, Objective = objective, FusedUpdate = fused,
        };
        var trainer = new Trainer(model, options, train.Count);
        // One chooser for the whole run, so that its choice carries over from one repetition to the next.
        // Its first probe right after the warm-up (in vae train: after ThreadChooser.FirstProbe steps).
        var chooser = trainer.ThreadChoice is null ? null
            : new ThreadChooser(threads == 0 ? Environment.ProcessorCount : threads,
                Math.Min(warmup, ThreadChooser.RunSteps));
        bool adapting = adapt != "off";
        trainer.ThreadChoice = adapting ? chooser : null;
        // The warm-up runs as the timed steps do.
        (Gemm.SplitFewRowsByK, Gemm.ClaimTiles) = (splitK != "off", claim != "off");
        RunSteps(trainer, train, warmup);
        // A "both" option: each repetition times its two settings one after the other, so both see the same machine.
        bool k = splitK != "off", c = claim != "off";
        (string Label, bool Fused, bool SplitK, bool Claim, bool Adapt)[] variants = update == "both"
            ? [("fused", true, k, c, adapting), ("separate", false, k, c, adapting)]
            : splitK == "both" ? [("split-k on", fused, true, c, adapting), ("split-k off", fused, false, c, adapting)]
            : claim == "both" ? [("claim on", fused, k, true, adapting), ("claim off", fused, k, false, adapting)]
            : adapt == "both" ? [("adapt on", fused, k, c, true), ("adapt off", fused, k, c, false)]
            : [("", fused, k, c, adapting)];
        int used = threads == 0 ? Environment.ProcessorCount : threads;
        // The hand-over between two cores decides the 2-thread figure as much as the code does (CoreRoundTrip):
        // measured before and after the timed runs, so a change of the host's placement in between shows.
        double? roundTripBefore = used > 1 ? CoreRoundTrip.Nanoseconds() : null;
        var rates = variants.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < repeats; r++)
            for (int i = 0; i < variants.Length; i++)
            {
                trainer.FusedUpdate = variants[i].Fused;
                (Gemm.SplitFewRowsByK, Gemm.ClaimTiles) = (variants[i].SplitK, variants[i].Claim);
                trainer.ThreadChoice = variants[i].Adapt ? chooser : null;
                var clock = Stopwatch.StartNew();
                RunSteps(trainer, train, steps);
                rates[i].Add(steps * (double)batch / clock.Elapsed.TotalSeconds);
            }
        // --profile runs as `vae train` would (Run gives the caller its switch back afterwards).
        trainer.FusedUpdate = fused;
        trainer.ThreadChoice = adapting ? chooser : null;
        (Gemm.SplitFewRowsByK, Gemm.ClaimTiles) = (splitK != "off", claim != "off");
        double? roundTripAfter = used > 1 ? CoreRoundTrip.Nanoseconds() : null;
        var inv = CultureInfo.InvariantCulture;
        string order = update == "both" ? "Adam inside and after the backward pass, alternated"
            : $"Adam {(fused ? "inside" : "after")} the backward pass";
        string cut = splitK == "both" ? "few-row products cut by K and by columns, alternated"
            : $"few-row products cut by {(splitK == "on" ? "K" : "columns")}";
        cut += claim == "both" ? "; two-thread strips claimed tile by tile and fixed halves, alternated"
            : claim == "on" ? "; two-thread strips claimed tile by tile" : "; two-thread strips in fixed halves";
        Console.Out.WriteLine($"model {config}, {objective.Describe()}, batch {batch}, {used} threads, " +
            $"GEMM {Gemm.Describe(Gemm.Path)}, {source}" +
            $"{(train.DynamicBinarizationSeed != null ? " binarised dynamically" : "")}; " +
            $"{repeats} × {steps} steps after {warmup} warm-up; {order}; {cut}");
        if (used > 1)
            Console.Out.WriteLine("cores' round trip (one cache line there and back, CoreRoundTrip): " +
                $"{Nanos(roundTripBefore)} before the timed runs, {Nanos(roundTripAfter)} after");
        if (chooser is { Probes: > 0 } && adapt != "off")
        {
            string share = (100.0 * chooser.StepsOnOne / chooser.Steps).ToString("F0", inv) + "%";
            Console.Out.WriteLine($"thread choice: {share} of the steps (warm-up included) on one thread; " +
                $"{chooser.ProbesChoosingOne} of {chooser.Probes} timings found it faster");
        }
        bool alternated = variants.Length > 1;
        Console.Out.WriteLine("framework,threads,batch_size,images_per_sec,median_images_per_sec,objective,k,isa" +
            (alternated ? ",variant" : ""));
        for (int i = 0; i < variants.Length; i++)
        {
            rates[i].Sort();
            string row = string.Create(inv,
                $"vae,{used},{batch},{rates[i][^1]:F0},{rates[i][rates[i].Count / 2]:F0},{objective.Name}," +
                $"{objective.SamplesPerImage},{Gemm.Path}");
            Console.Out.WriteLine(row + (alternated ? "," + variants[i].Label : ""));
        }
        if (p.GetFlag("profile"))
        {
            var profile = new StepProfile();
            trainer.Profile = profile;
            RunSteps(trainer, train, steps);
            trainer.Profile = null;
            PrintProfile(profile);
        }
        return ExitCodes.Ok;
    }

    private static string Nanos(double? ns) =>
        ns is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:F0} ns")
            : "not measured (the other thread did not answer in time)";

    /// <summary>Microseconds per step by phase, then by op (largest first), with their shares of the step.</summary>
    private static void PrintProfile(StepProfile profile)
    {
        var inv = CultureInfo.InvariantCulture;
        double steps = profile.Steps, total = Enum.GetValues<StepPhase>().Sum(profile.Seconds);
        Console.Out.WriteLine();
        Console.Out.WriteLine(string.Create(inv, $"profile of {profile.Steps} steps: {total / steps * 1e6:F1} µs a step"));
        Console.Out.WriteLine("part,us_per_step,share");
        foreach (var phase in Enum.GetValues<StepPhase>())
            Console.Out.WriteLine(string.Create(inv, $"{phase.ToString().ToLowerInvariant()}," +
                $"{profile.Seconds(phase) / steps * 1e6:F1},{profile.Seconds(phase) / total:P1}"));
        Console.Out.WriteLine("op,us_per_step,calls_per_step,share");
        foreach (var op in profile.Ops.Times())
            Console.Out.WriteLine(string.Create(inv, $"{op.Label},{op.Seconds / steps * 1e6:F1}," +
                $"{op.Calls / steps:G3},{op.Seconds / total:P1}"));
    }

    /// <summary>Runs exactly <paramref name="steps"/> training steps, crossing epoch ends as needed.</summary>
    private static void RunSteps(Trainer trainer, ImageSet train, int steps)
    {
        int done = 0;
        while (trainer.RunEpoch(train, () => done++ >= steps).Completed) { }
    }
}
