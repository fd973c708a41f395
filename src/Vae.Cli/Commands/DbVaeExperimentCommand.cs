using System.Diagnostics;
using System.Globalization;
using System.Text;
using Vae.Analysis;
using Vae.Cli.Runs;
using Vae.Data;
using Vae.Imaging;
using Vae.IO;
using Vae.Lecture;
using Vae.Reporting;
using Vae.Training;

namespace Vae.Cli.Commands;

/// <summary>
/// <c>vae dbvae-experiment</c>: the digit detector of the DB-VAE lesson (the lab's face detector on digits), every arm
/// on every seed; writes results.csv, results.md, the TPR bars and the highest/lowest-P training positives.
/// </summary>
public sealed class DbVaeExperimentCommand : ICommand
{
    public string Name => "dbvae-experiment";
    public string Summary => "DB-VAE experiment: a digit detector (MNIST vs Fashion-MNIST) with a rare attribute, " +
        "per arm and seed";

    /// <summary>
    /// The arms of the experiment: the issue's a–d, c as the lab defines it (max) and as tuned on seeds 101–110 (the
    /// product, tempered τ 0.3, capped at 30× uniform; docs/debiasing.md).
    /// </summary>
    public const string DefaultArms =
        "a-classifier:vae-weight=0;" +
        "b-joint-uniform:sampling=uniform;" +
        "c-max:sampling=latent-density,combine=max;" +
        "c-product-t0.3-cap30:sampling=latent-density,combine=product,power=0.3,cap=30;" +
        "d-oracle:sampling=oracle";

    /// <summary>
    /// Extra DB-VAE arms of --sweep: the paper's product alone and capped (they show how it fails), the earlier
    /// default (τ 0.2, cap 50), the other tuning candidates, and α, β, latent size and cap around the capped product.
    /// </summary>
    public const string SweepArms =
        "c-product:sampling=latent-density,combine=product;" +
        "c-product-capped:sampling=latent-density,combine=product,cap=50;" +
        "c-product-tempered-capped:sampling=latent-density,combine=product,power=0.2,cap=50;" +
        "c-product-t0.3-cap50:sampling=latent-density,combine=product,power=0.3,cap=50;" +
        "c-product-t0.5-cap50:sampling=latent-density,combine=product,power=0.5,cap=50;" +
        "c-max-tempered3:sampling=latent-density,combine=max,power=3;" +
        "c-capped-a0.01:sampling=latent-density,combine=product,cap=50,alpha=0.01;" +
        "c-capped-cap20:sampling=latent-density,combine=product,cap=20;" +
        "c-capped-cap100:sampling=latent-density,combine=product,cap=100;" +
        "c-capped-beta4:sampling=latent-density,combine=product,cap=50,beta=4;" +
        "c-capped-latent4:sampling=latent-density,combine=product,cap=50,latent=4;" +
        "c-max-alpha0.1:sampling=latent-density,combine=max,alpha=0.1;" +
        "c-product-tempered0.1:sampling=latent-density,combine=product,power=0.1";

    /// <summary>An arm given by name alone that names a default or sweep arm takes that arm's settings.</summary>
    private static string BuiltInOrSelf(string arm) => arm.Contains(':') ? arm
        : (DefaultArms + ";" + SweepArms).Split(';')
            .FirstOrDefault(a => a.StartsWith(arm + ":", StringComparison.Ordinal)) ?? arm;

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ". Positives are MNIST digits, negatives Fashion-MNIST items; the " +
                "attribute A (inverted polarity) is rare among training digits, common among training items and in " +
                    "half " +
                "of each test set. Arm syntax: name:key=value,… with keys vae-weight, beta, sampling " +
                "(uniform|latent-density|oracle), combine (max|product), alpha, power, cap, bins, latent, lr; a " +
                "default or sweep arm may be named alone.")
            .DetectionData()
            .Option("out", "dbvae-experiment", "output folder (results.csv, results.md, tpr.svg, " +
                "probabilities.png)", "DIR")
            .Option("arms", DefaultArms, "the arms, separated by ';'", "LIST")
            .Flag("sweep", "add the sweep arms (α, β, latent size, cap, tempering) to --arms")
            .Flag("overwrite", "replace the result files of an earlier experiment in --out")
            .Option("from-csv", null, "train nothing: rewrite results.md and tpr.svg in --out from this results.csv " +
                "(arms as in --arms, else as in the file)", "FILE")
            .Option("seeds", "5", "seeds per arm, from --first-seed on (each seed also draws its own data)", "N")
            .Option("first-seed", "1", "the first seed", "S")
            .Option("epochs", "3", "epochs per run (an epoch: every training digit once, on average)", "N")
            .Option("batch-size", "64", "images per step, half digits and half items", "B")
            .Option("lr", "1e-3", "Adam learning rate", "LR")
            .DetectionOptions()
            .Option("hidden", "400", "hidden layer sizes", "LIST")
            .Option("latent", "20", "latent size (an arm may set its own)", "J")
            .Threads()
            .Option("jobs", null, "runs trained at once, sharing --threads (default: as many as --threads, one " +
                "thread each); the results do not depend on it", "N");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }

        var defaults = new DetectorOptions
        {
            Epochs = p.GetInt("epochs", 1, 1000),
            BatchSize = p.GetInt("batch-size", 2, 100_000),
            LearningRate = (float)p.GetDouble("lr", 0, 10, minExclusive: true),
            Threads = p.GetThreads(),
        };
        if (defaults.BatchSize % 2 != 0) throw new UsageException("--batch-size must be even (half digits, half " +
            "items)");
        var setup = new DetectorSetup { Data = p.GetDetectionSetup(), Hidden = p.GetIntList("hidden", 1, 100_000) };
        int latent = p.GetInt("latent", 1, 10_000);
        string armText = p.GetRequiredString("arms") + (p.GetFlag("sweep") ? ";" + SweepArms : "");
        List<DetectorArm> arms;
        try
        {
            arms = armText.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(BuiltInOrSelf)
                .Select(a => DetectorArm.Parse(a, defaults, latent)).ToList();
        }
        catch (FormatException e) { throw new UsageException($"--arms: {e.Message}"); }
        if (arms.Count == 0) throw new UsageException("--arms names no arm");
        if (arms.Select(a => a.Name).Distinct().Count() != arms.Count) throw new UsageException("--arms: two arms " +
            "share a name");
        int seeds = p.GetInt("seeds", 1, 1000);
        string outDir = p.GetRequiredString("out");
        string[] outputs = ["results.csv", "results.md", "tpr.svg", "probabilities.png"];
        if (!p.GetFlag("overwrite") && outputs.FirstOrDefault(f => File.Exists(Path.Combine(outDir, f))) is { } existing)
            throw new UsageException($"{Path.Combine(outDir, existing)} exists: give another --out, or --overwrite");
        CommonOptions.EnsureWritableFolder(outDir);
        if (p.GetString("from-csv") is { } csvFile)
        {
            if (!File.Exists(csvFile)) throw new UsageException($"--from-csv: '{csvFile}' does not exist");
            List<DetectorRun> saved;
            try { saved = DetectorExperiment.ReadCsv(File.ReadAllLines(csvFile)); }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                throw new InvalidInputFileException(csvFile, e.Message);
            }
            // The file's arms in its order, described by --arms or by the built-in arms of the same name.
            var builtIn = (DefaultArms + ";" + SweepArms).Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Select(a => DetectorArm.Parse(a, defaults, latent)).ToList();
            var known = saved.Select(r => r.Arm).Distinct().Select(name =>
                arms.FirstOrDefault(a => a.Name == name) ?? builtIn.FirstOrDefault(a => a.Name == name)
                ?? throw new UsageException($"--from-csv: arm '{name}' is neither in --arms nor built in; " +
                    "give its settings in --arms"))
                .OrderBy(a => arms.FindIndex(x => x.Name == a.Name) is var i and >= 0 ? i : arms.Count + builtIn.FindIndex(x => x.Name == a.Name))
                .ToList();
            var written = Write(outDir, known, saved, null, TimeSpan.Zero, TimeSpan.Zero, fromCsv: true);
            Console.Out.Write(Table(known, saved, TimeSpan.Zero, TimeSpan.Zero, includeNotes: false, fromCsv: true));
            Console.Out.WriteLine($"wrote {string.Join(", ", written)}");
            return ExitCodes.Ok;
        }

        var (digitsTrain, digitsTest, itemsTrain, itemsTest) = p.LoadDetectionData();

        var inv = CultureInfo.InvariantCulture;
        int jobs = Math.Min(p.GetString("jobs") == null ? defaults.Threads : p.GetInt("jobs", 1, 1024),
            arms.Count * seeds);
        int threadsPerJob = Math.Max(1, defaults.Threads / jobs);
        Console.Out.WriteLine($"{arms.Count} arms × {seeds} seeds; per run {defaults.Epochs} epochs, batch " +
            $"{defaults.BatchSize} (half digits), hidden {string.Join(',', setup.Hidden)}; " +
            $"{jobs} run{(jobs == 1 ? "" : "s")} at a time, " +
            $"{threadsPerJob} thread{(threadsPerJob == 1 ? "" : "s")} each");
        var clock = Stopwatch.StartNew();
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        (double[] P, DetectionSet Train, string Arm, ulong Seed)? pictureP = null;
        int pictureArm = int.MaxValue;
        using var stop = new StopSignal();
        ulong firstSeed = (ulong)p.GetInt("first-seed", 0);
        var seedList = Enumerable.Range(0, seeds).Select(i => firstSeed + (ulong)i).ToList();
        (DetectionSet, DetectionSet) Data(ulong seed)
        {
            var (train, test) = DetectorExperiment.Data(setup, seed, digitsTrain, digitsTest, itemsTrain, itemsTest);
            if (seed == firstSeed)
                Console.Out.WriteLine(string.Create(inv,
                    $"data (seed {seed}): {train.Positives.Count} training digits ({train.PositivesWithA} with A), " +
                    $"{train.Negatives.Count} items ({train.NegativesWithA} with A); test {test.Positives.Count} " +
                    $"digits ({test.PositivesWithA} with A), {test.Negatives.Count} items ({test.NegativesWithA} " +
                    $"with A)"));
            return (train, test);
        }
        void Finished(DetectorFinishedRun f)
        {
            var (run, arm) = (f.Run, f.Arm);
            // The picture: the first seed's first capped DB-VAE arm in --arms order, whichever run ends first.
            int index = arms.IndexOf(arm);
            if (run.Seed == firstSeed && f.LastP != null && index < pictureArm
                && arm.Options.Sampling == PositiveSampling.LatentDensity
                && double.IsFinite(arm.Options.Debias.Cap))
            {
                pictureP = (f.LastP, f.Train, arm.Name, run.Seed);
                pictureArm = index;
            }
            var s = run.Scores;
            Console.Out.WriteLine(string.Create(inv,
                $"{arm.Name,-24} seed {run.Seed}: TPR A {s.TprA:F3} other {s.TprOther:F3} gap {s.Gap:F3}  acc " +
                $"{s.Accuracy:F4}  FPR {s.Fpr:F4}  | P(A) {run.MeanPOfARelative:F1}× uniform, A drawn " +
                $"{run.ShareADrawn:P1}, ESS {run.EssFraction:P1}  | {run.Seconds:F1} s"));
        }
        var (runs, completed) = DetectorExperiment.RunAll(arms, setup, seedList, Data, jobs, threadsPerJob,
            () => stop.Requested, Finished);
        if (!completed)
        {
            Console.Out.WriteLine($"interrupted; {runs.Count} runs finished, results so far in {outDir}");
            Write(outDir, arms, runs, pictureP, clock.Elapsed, process.TotalProcessorTime - cpuBefore);
            return ExitCodes.Interrupted;
        }
        var files = Write(outDir, arms, runs, pictureP, clock.Elapsed, process.TotalProcessorTime - cpuBefore);
        Console.Out.Write(Table(arms, runs, clock.Elapsed, process.TotalProcessorTime - cpuBefore, includeNotes: false));
        Console.Out.WriteLine($"wrote {string.Join(", ", files)}");
        return ExitCodes.Ok;
    }

    private static List<string> Write(string outDir, List<DetectorArm> arms, List<DetectorRun> runs,
        (double[] P, DetectionSet Train, string Arm, ulong Seed)? pictureP, TimeSpan wall, TimeSpan cpu, bool fromCsv = false)
    {
        var inv = CultureInfo.InvariantCulture;
        var files = new List<string>();
        var csv = new StringBuilder("arm,seed,tpr_a,tpr_other,gap,worst_group_accuracy,accuracy,fpr," +
            "mean_p_a_over_uniform,share_a_drawn,ess_fraction,seconds\n");
        foreach (var r in runs)
        {
            var s = r.Scores;
            csv.Append(string.Create(inv, $"{r.Arm},{r.Seed},{s.TprA:R},{s.TprOther:R},{s.Gap:R},{s.WorstGroupAccuracy:R}," +
                $"{s.Accuracy:R},{s.Fpr:R},{r.MeanPOfARelative:R},{r.ShareADrawn:R},{r.EssFraction:R},{r.Seconds:F2}\n"));
        }
        if (!fromCsv)
        {
            string csvPath = Path.Combine(outDir, "results.csv");
            AtomicFile.WriteAllBytes(csvPath, Encoding.UTF8.GetBytes(csv.ToString()));
            files.Add(csvPath);
        }
        string md = Path.Combine(outDir, "results.md");
        AtomicFile.WriteAllBytes(md, Encoding.UTF8.GetBytes(Table(arms, runs, wall, cpu, includeNotes: true, fromCsv)));
        files.Add(md);
        var summaries = arms.Select(a => DetectorArmSummary.Of(a, runs)).Where(s => s.Gap.Count > 0).ToList();
        if (summaries.Count > 0)
        {
            string bars = Path.Combine(outDir, "tpr.svg");
            AtomicFile.WriteAllBytes(bars, Encoding.UTF8.GetBytes(SvgChart.GroupedBars(
                "True-positive rate per subgroup (mean ± sd over seeds)", "TPR",
                summaries.Select(s => s.Arm).ToList(),
                [
                    new BarSeries("digits with A (inverted)", summaries.Select(s => s.TprA.Mean).ToList(),
                        summaries.Select(s => s.TprA.Sd).ToList(), "#d62728"),
                    new BarSeries("other digits", summaries.Select(s => s.TprOther.Mean).ToList(),
                        summaries.Select(s => s.TprOther.Sd).ToList(), "#1f77b4"),
                ], yMin: 0, yMax: 1)));
            files.Add(bars);
        }
        if (pictureP is var (pp, train, armName, pictureSeed))
        {
            string picture = Path.Combine(outDir, "probabilities.png");
            Png.Write(picture, Debias.Picture(train.Positives, pp, flagged: train.PositiveHasA,
                flagName: DetectionSet.Name(train.Attribute)));
            files.Add(picture + $" (arm {armName}, seed {pictureSeed}, last epoch's P)");
        }
        return files;
    }

    /// <summary>The markdown table: one row per arm, mean ± sd over seeds, then the target check against arm
    /// a.</summary>
    public static string Table(List<DetectorArm> arms, List<DetectorRun> runs, TimeSpan wall, TimeSpan cpu,
        bool includeNotes, bool fromCsv = false)
    {
        var inv = CultureInfo.InvariantCulture;
        var summaries = arms.Select(a => DetectorArmSummary.Of(a, runs)).Where(s => s.Gap.Count > 0).ToList();
        string F(MeanSd m, string fmt) => string.Create(inv, $"{m.Mean.ToString(fmt, inv)} ± " +
            $"{m.Sd.ToString(fmt, inv)}");
        var sb = new StringBuilder();
        sb.Append("| arm | TPR A | TPR other | gap | \\|gap\\| | worst group | accuracy | FPR | P(A) / uniform | A " +
            "among drawn | ESS / N | seeds |\n");
        sb.Append("|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var s in summaries)
            sb.Append(string.Create(inv,
                $"| {s.Arm} | {F(s.TprA, "F3")} | {F(s.TprOther, "F3")} | {F(s.Gap, "F3")} | {F(s.AbsGap, "F3")} | " +
                    $"{F(s.WorstGroup, "F3")} | " +
                $"{F(s.Accuracy, "F4")} | {F(s.Fpr, "F4")} | {s.MeanPOfARelative.Mean:F1} | {s.ShareADrawn.Mean:P1} " +
                    $"| " +
                $"{s.EssFraction.Mean:P1} | {s.Gap.Count} |\n"));
        if (includeNotes)
        {
            sb.Append('\n');
            foreach (var (a, s) in arms.Zip(arms.Select(a => DetectorArmSummary.Of(a, runs))).Where(x => x.Second.Gap.Count > 0))
                sb.Append($"- **{a.Name}**: {a.Describe()}\n");
        }
        var baseline = summaries.FirstOrDefault(s => s.Arm.StartsWith("a", StringComparison.Ordinal));
        if (baseline != null)
        {
            sb.Append('\n').Append(string.Create(inv,
                $"Target against {baseline.Arm} (|gap| {baseline.AbsGap.Mean:F3} ± {baseline.AbsGap.Sd:F3}, " +
                    $"accuracy {baseline.Accuracy.Mean:F4}): "))
              .Append("mean |gap| at most half, the difference beyond both arms' sd together, accuracy down at most " +
                  "1 point.\n\n");
            foreach (var s in summaries.Where(s => s.Arm.StartsWith("c", StringComparison.Ordinal)))
            {
                var (halves, beyond, kept) = s.Target(baseline);
                var paired = PairedGap.Of(runs, baseline.Arm, s.Arm);
                sb.Append(string.Create(inv, $"- {s.Arm}: |gap| {s.AbsGap.Mean:F3} " +
                    $"({(halves ? "halved" : "not halved")}, " +
                    $"{(beyond ? "beyond" : "within")} the spread: difference " +
                    $"{baseline.AbsGap.Mean - s.AbsGap.Mean:F3}, sd + sd {baseline.AbsGap.Sd + s.AbsGap.Sd:F3}), " +
                    $"accuracy " +
                        $"{s.Accuracy.Mean - baseline.Accuracy.Mean:+0.0000;-0.0000} " +
                    $"({(kept ? "kept" : "lost more than 1 point")}): " +
                        $"{(halves && beyond && kept ? "**meets the target**" : "misses the target")}; paired by " +
                    $"seed, {baseline.Arm}'s |gap| − its |gap| {F(paired.Difference, "F3")} (t {paired.T:F1}, " +
                    $"smaller on {paired.Smaller} of {paired.Difference.Count} seeds)\n"));
            }
        }
        sb.Append('\n').Append(fromCsv
            ? string.Create(inv, $"{runs.Count} runs, {runs.Sum(r => r.Seconds):F0} s of training and evaluation in " +
                $"total (from results.csv).\n")
            : string.Create(inv, $"{runs.Count} runs in {wall.TotalSeconds:F0} s wall, {cpu.TotalSeconds:F0} s CPU " +
                $"({Environment.ProcessorCount} cores).\n"));
        return sb.ToString();
    }
}
