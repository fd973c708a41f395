using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Vae.Data;
using Vae.Analysis;
using Vae.Model;
using Vae.Objectives;
using Vae.Training;

namespace Vae.Lecture;

/// <summary>One arm of the detector experiment: a name, the latent size and how to train.</summary>
public sealed record DetectorArm(string Name, int Latent, DetectorOptions Options)
{
    /// <summary>
    /// Parses "name:key=value,key=value…" with keys vae-weight, beta, sampling (uniform|latent-density|oracle),
    /// combine (max|product), alpha, power, cap, bins, latent, lr. Unset keys keep <paramref name="defaults"/>.
    /// </summary>
    public static DetectorArm Parse(string text, DetectorOptions defaults, int defaultLatent)
    {
        var inv = CultureInfo.InvariantCulture;
        int colon = text.IndexOf(':');
        string name = colon < 0 ? text : text[..colon];
        if (name.Length == 0) throw new FormatException($"arm '{text}' has no name");
        var o = defaults;
        var d = defaults.Debias;
        var objective = defaults.Objective;
        int latent = defaultLatent;
        if (colon >= 0)
            foreach (string part in text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = part.IndexOf('=');
                if (eq < 0) throw new FormatException($"arm '{name}': '{part}' is not key=value");
                string key = part[..eq].Trim(), value = part[(eq + 1)..].Trim();
                double Num() => double.TryParse(value, NumberStyles.Float, inv, out double v) && !double.IsNaN(v)
                    ? v : throw new FormatException($"arm '{name}': {key} '{value}' is not a number");
                int Int() => int.TryParse(value, NumberStyles.Integer, inv, out int v) && v > 0
                    ? v : throw new FormatException($"arm '{name}': {key} '{value}' is not a positive count");
                switch (key)
                {
                    case "vae-weight":
                        objective = new ClassifierObjective { VaeWeight = (float)Num(), Beta = objective.Beta };
                        break;
                    case "beta":
                        objective = new ClassifierObjective { VaeWeight = objective.VaeWeight, Beta = (float)Num() };
                        break;
                    case "lr": o = o with { LearningRate = (float)Num() }; break;
                    case "sampling": o = o with { Sampling = DetectorOptions.ParseSampling(value) }; break;
                    case "combine":
                        d = d with { Combine = value switch
                        {
                            "max" => DebiasCombine.Max,
                            "product" => DebiasCombine.Product,
                            _ => throw new FormatException($"arm '{name}': combine is max or product, not '{value}'"),
                        } };
                        break;
                    case "alpha": d = d with { Alpha = Num() }; break;
                    case "power": d = d with { Power = Num() }; break;
                    case "cap": d = d with { Cap = Num() }; break;
                    case "bins": d = d with { Bins = Int() }; break;
                    case "latent": latent = Int(); break;
                    default: throw new FormatException($"arm '{name}': unknown key '{key}'");
                }
            }
        o = o with { Debias = d, Objective = objective };
        try { o.Validate(); }
        catch (ArgumentException e) { throw new FormatException($"arm '{name}': {e.Message}"); }
        return new DetectorArm(name, latent, o);
    }

    /// <summary>The arm's settings in one line (what differs from a plain classifier).</summary>
    public string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        var o = Options;
        var c = o.Objective;
        string sampling = DetectorOptions.Name(o.Sampling);
        if (c.VaeWeight == 0) return $"classifier only, positives {sampling}";
        string s = string.Create(inv, $"λ {c.VaeWeight:G3}, β {c.Beta:G3}, latent {Latent}, positives {sampling}");
        if (o.Sampling == PositiveSampling.LatentDensity)
        {
            var d = o.Debias;
            s += string.Create(inv, $" ({d.CombineName}, α {d.Alpha:G3}, {d.Bins} bins");
            if (d.Power != 1) s += string.Create(inv, $", τ {d.Power:G3}");
            if (double.IsFinite(d.Cap)) s += string.Create(inv, $", cap {d.Cap:G3}×");
            s += ")";
        }
        return s;
    }
}

/// <summary>The data and model size shared by every arm of the experiment.</summary>
public sealed record DetectorSetup
{
    public DetectionSetup Data { get; init; } = new();
    public int[] Hidden { get; init; } = [400];
}

/// <summary>One trained arm on one seed: its test scores and why its sampling did what it did.</summary>
public sealed record DetectorRun(string Arm, ulong Seed, DetectorMeasures Scores, double MeanPOfARelative,
    double ShareADrawn, double EssFraction, double Seconds);

/// <summary>A run that has just finished, with what a caller may want to show of it: its training set and the
/// last epoch's P over the training positives (null for uniform sampling).</summary>
public sealed record DetectorFinishedRun(DetectorRun Run, DetectorArm Arm, DetectionSet Train, double[]? LastP);

/// <summary>
/// The lab's face detector on digits (MIT 6.S191 lab 2 part 2; Amini et al. 2019): a digit detector whose training
/// positives rarely carry A while half its test positives do. Each arm is trained on each seed on the same data
/// (built from the seed), then judged per subgroup.
/// </summary>
public static class DetectorExperiment
{
    public static (DetectionSet Train, DetectionSet Test) Data(DetectorSetup setup, ulong seed,
        ImageSet digitsTrain, ImageSet digitsTest, ImageSet itemsTrain, ImageSet itemsTest) =>
        setup.Data.Build(digitsTrain, digitsTest, itemsTrain, itemsTest, seed);

    /// <summary>
    /// Trains one arm on one seed and scores it; the diagnostics (mean P of the A-digits, their share of the draws,
    /// ESS)
    /// are averaged over the epochs. <paramref name="stop"/> ends the run early (OperationCanceledException).
    /// </summary>
    public static (DetectorRun Run, VaeModel Model, double[]? LastP) RunArm(DetectorArm arm, DetectorSetup setup,
        ulong seed, DetectionSet train, DetectionSet test, int threads, Func<bool>? stop = null)
    {
        var clock = Stopwatch.StartNew();
        var options = arm.Options with { Seed = seed, Threads = threads };
        var config = ClassifierObjective.WithHead(new VaeConfig { Hidden = setup.Hidden, Latent = arm.Latent });
        var model = new VaeModel(config);
        var trainer = new DetectorTrainer(model, options, train);
        double pA = 0, shareA = 0, ess = 0;
        int sampledEpochs = 0;
        double[]? lastP = null;
        while (trainer.State.Epoch < options.Epochs)
        {
            trainer.PrepareEpoch();
            if (trainer.Probabilities is { } p)
            {
                lastP = Array.ConvertAll(p, v => (double)v);
                var (meanA, share, e) = Diagnose(lastP, trainer.PositiveOrder, train.PositiveHasA);
                pA += meanA; shareA += share; ess += e;
                sampledEpochs++;
            }
            else
            {
                shareA += ShareDrawn(trainer.PositiveOrder, train.PositiveHasA);
            }
            var result = trainer.RunEpoch(stop);
            if (!result.Completed) throw new OperationCanceledException("stopped");
        }
        var scores = DetectorEvaluation.Run(model, test, options.EvalBatchSize, threads);
        int epochs = options.Epochs;
        var run = sampledEpochs > 0
            ? new DetectorRun(arm.Name, seed, scores.Measures, pA / sampledEpochs, shareA / epochs,
                ess / sampledEpochs, clock.Elapsed.TotalSeconds)
            : new DetectorRun(arm.Name, seed, scores.Measures, 1, shareA / epochs, 1, clock.Elapsed.TotalSeconds);
        return (run, model, lastP);
    }

    /// <summary>
    /// Trains every arm on every seed, <paramref name="jobs"/> runs at a time, each on
    /// <paramref name="threadsPerJob"/> threads, and returns the runs in seed-major, arm order, the order a serial loop
    /// gives. A run's numbers do not depend on when or beside what it runs: its data come from its seed alone and the
    /// kernels give the same bits at any thread count, so the results equal a serial run's (tested). A seed's data are
    /// built once, by the first of its runs to start (<paramref name="data"/>), and dropped after its last.
    /// <paramref name="finished"/> is called after each run, one call at a time, in the order the runs end. When
    /// <paramref name="stop"/> turns true the runs under way end, and the finished ones are returned with Completed
    /// false.
    /// </summary>
    public static (List<DetectorRun> Runs, bool Completed) RunAll(IReadOnlyList<DetectorArm> arms,
        DetectorSetup setup, IReadOnlyList<ulong> seeds, Func<ulong, (DetectionSet Train, DetectionSet Test)> data,
        int jobs, int threadsPerJob, Func<bool>? stop = null, Action<DetectorFinishedRun>? finished = null)
    {
        if (jobs < 1) throw new ArgumentOutOfRangeException(nameof(jobs), "at least one job at a time");
        int total = arms.Count * seeds.Count;
        var results = new DetectorRun?[total];
        var seedData = new Lazy<(DetectionSet Train, DetectionSet Test)>?[seeds.Count];
        var armsLeft = new int[seeds.Count];
        for (int s = 0; s < seeds.Count; s++)
        {
            ulong seed = seeds[s];
            seedData[s] = new(() => data(seed), LazyThreadSafetyMode.ExecutionAndPublication);
            armsLeft[s] = arms.Count;
        }
        int next = -1, cancelled = 0;
        var report = new object();
        Exception? failure = null;
        bool Stopped() => Volatile.Read(ref cancelled) != 0 || stop?.Invoke() == true;

        void Work()
        {
            int job;
            while (!Stopped() && (job = Interlocked.Increment(ref next)) < total)
            {
                int s = job / arms.Count;
                var arm = arms[job % arms.Count];
                try
                {
                    var (train, test) = seedData[s]!.Value;
                    var (run, _, lastP) = RunArm(arm, setup, seeds[s], train, test, threadsPerJob, Stopped);
                    results[job] = run;
                    lock (report) finished?.Invoke(new DetectorFinishedRun(run, arm, train, lastP));
                }
                catch (OperationCanceledException) { return; }
                catch (Exception e)
                {
                    lock (report) failure ??= e;
                    Volatile.Write(ref cancelled, 1);
                    return;
                }
                if (Interlocked.Decrement(ref armsLeft[s]) == 0) seedData[s] = null;   // the seed's last run
            }
        }

        var threads = Enumerable.Range(0, Math.Min(jobs, total) - 1)
            .Select(i => new Thread(Work) { IsBackground = true, Name = $"detector job {i + 2}" }).ToList();
        foreach (var t in threads) t.Start();
        Work();   // the caller is the first job
        foreach (var t in threads) t.Join();
        if (failure != null) ExceptionDispatchInfo.Capture(failure).Throw();   // as a serial loop would throw it
        var runs = results.OfType<DetectorRun>().ToList();
        return (runs, runs.Count == total);
    }

    /// <summary>Mean P of the A positives as a multiple of uniform 1/N, share of A among the drawn, ESS / N.</summary>
    public static (double MeanPOfARelative, double ShareADrawn, double EssFraction) Diagnose(
        ReadOnlySpan<double> p, ReadOnlySpan<int> drawn, ReadOnlySpan<bool> hasA)
    {
        double sumA = 0;
        int nA = 0;
        for (int i = 0; i < p.Length; i++) if (hasA[i]) { sumA += p[i]; nA++; }
        double meanA = nA == 0 ? double.NaN : sumA / nA * p.Length;
        return (meanA, ShareDrawn(drawn, hasA), Debias.EffectiveSampleSize(p) / p.Length);
    }

    /// <summary>The runs of a results.csv written by <c>vae dbvae-experiment</c> (its header names the
    /// columns).</summary>
    public static List<DetectorRun> ReadCsv(IReadOnlyList<string> lines)
    {
        if (lines.Count == 0) throw new FormatException("empty results file");
        var header = lines[0].Split(',');
        int Col(string name) => Array.IndexOf(header, name) is var i and >= 0
            ? i : throw new FormatException($"no column '{name}'");
        var inv = CultureInfo.InvariantCulture;
        var runs = new List<DetectorRun>();
        foreach (string line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var f = line.Split(',');
            if (f.Length != header.Length)
                throw new FormatException($"line '{line}' has {f.Length} fields, the header {header.Length}");
            double D(string c) => double.Parse(f[Col(c)], NumberStyles.Float, inv);
            runs.Add(new DetectorRun(f[Col("arm")], ulong.Parse(f[Col("seed")], inv),
                new DetectorMeasures(D("tpr_a"), D("tpr_other"), D("gap"), D("worst_group_accuracy"), D("accuracy"),
                    D("fpr")),
                D("mean_p_a_over_uniform"), D("share_a_drawn"), D("ess_fraction"), D("seconds")));
        }
        return runs;
    }

    private static double ShareDrawn(ReadOnlySpan<int> drawn, ReadOnlySpan<bool> hasA)
    {
        int k = 0;
        foreach (int i in drawn) if (hasA[i]) k++;
        return drawn.Length == 0 ? 0 : (double)k / drawn.Length;
    }
}

/// <summary>Mean and sample standard deviation of one measure over the seeds of an arm.</summary>
public readonly record struct MeanSd(double Mean, double Sd, int Count)
{
    public static MeanSd Of(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) return new MeanSd(double.NaN, double.NaN, 0);
        double m = v.Average();
        double sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1)) : 0;
        return new MeanSd(m, sd, v.Length);
    }
}

/// <summary>One arm over its seeds: mean ± sd of each score and the mean of each diagnostic.</summary>
public sealed record DetectorArmSummary(string Arm, string Description, MeanSd TprA, MeanSd TprOther, MeanSd Gap,
    MeanSd AbsGap, MeanSd WorstGroup, MeanSd Accuracy, MeanSd Fpr, MeanSd MeanPOfARelative, MeanSd ShareADrawn,
    MeanSd EssFraction,
    double Seconds)
{
    public static DetectorArmSummary Of(DetectorArm arm, IReadOnlyCollection<DetectorRun> runs)
    {
        var r = runs.Where(x => x.Arm == arm.Name).ToList();
        MeanSd M(Func<DetectorRun, double> f) => MeanSd.Of(r.Select(f));
        return new DetectorArmSummary(arm.Name, arm.Describe(), M(x => x.Scores.TprA), M(x => x.Scores.TprOther),
            M(x => x.Scores.Gap), M(x => Math.Abs(x.Scores.Gap)), M(x => x.Scores.WorstGroupAccuracy),
            M(x => x.Scores.Accuracy), M(x => x.Scores.Fpr),
            M(x => x.MeanPOfARelative), M(x => x.ShareADrawn), M(x => x.EssFraction), r.Sum(x => x.Seconds));
    }

    /// <summary>
    /// The target against a baseline (arm a), on the size of the gap |TPR other − TPR A| (a gap reversed is a
    /// bias too, and signed means would let over- and under-corrections cancel): the mean |gap| at most half the
    /// baseline's, the difference larger than the two arms' seed spreads together (sd + sd), and accuracy down by at
    /// most 1 point.
    /// </summary>
    public (bool HalvesGap, bool BeyondSpread, bool AccuracyKept) Target(DetectorArmSummary baseline) =>
        (AbsGap.Mean <= baseline.AbsGap.Mean / 2,
         // one seed has no spread to be beyond
         AbsGap.Count > 1 && baseline.AbsGap.Count > 1
            && baseline.AbsGap.Mean - AbsGap.Mean > baseline.AbsGap.Sd + AbsGap.Sd,
         Accuracy.Mean >= baseline.Accuracy.Mean - 0.01);
}

/// <summary>
/// Two arms compared seed by seed (each seed draws its own data, the same for both): the difference of the gap's size,
/// baseline |gap| − arm |gap|, its mean ± sd over the seeds both ran, Student's paired t (mean / (sd / √n)), and on
/// how many of those seeds the arm's |gap| is the smaller. Pairing removes what the seed's data do to both arms alike.
/// </summary>
public sealed record PairedGap(MeanSd Difference, double T, int Smaller)
{
    public static PairedGap Of(IReadOnlyCollection<DetectorRun> runs, string baseline, string arm)
    {
        var base_ = runs.Where(r => r.Arm == baseline).ToDictionary(r => r.Seed, r => Math.Abs(r.Scores.Gap));
        var diffs = runs.Where(r => r.Arm == arm && base_.ContainsKey(r.Seed))
            .Select(r => base_[r.Seed] - Math.Abs(r.Scores.Gap)).ToList();
        var d = MeanSd.Of(diffs);
        double t = d.Count > 1 && d.Sd > 0 ? d.Mean / (d.Sd / Math.Sqrt(d.Count)) : double.NaN;
        return new PairedGap(d, t, diffs.Count(x => x > 0));
    }
}
