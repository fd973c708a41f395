using Vae.Data;
using Vae.Lecture;
using Vae.Model;

namespace Vae.Tests.Detector;

/// <summary>The DB-VAE detector: its loss, its batches, its sampling probabilities, its head and its resume.</summary>
public class DetectorTests
{
    private static readonly VaeConfig Small = ClassifierObjective.WithHead(new VaeConfig { Hidden = [32], Latent = 3 });

    /// <summary>Digits from the committed MNIST slice, items from the committed Fashion-MNIST slice; 10% of digits
    /// inverted.</summary>
    private static (DetectionSet Train, DetectionSet Test) Slices(ulong seed = 1)
    {
        var (digitsTrain, digitsTest) = Mnist.Load(TestPaths.Slice);
        var (itemsTrain, itemsTest) = FashionMnist.Load(TestPaths.FashionSlice);
        var setup = new DetectionSetup { TrainPositives = 0, TrainNegatives = 0, APositives = 0.1 };
        return setup.Build(digitsTrain, digitsTest, itemsTrain, itemsTest, seed);
    }

    private static DetectorOptions Options(PositiveSampling sampling = PositiveSampling.LatentDensity) => new()
    {
        BatchSize = 16, Threads = 1, Seed = 3, Epochs = 2, Sampling = sampling,
        Debias = new DebiasOptions(Combine: DebiasCombine.Product, Cap: 5),
    };

    [Test]
    public void RunsInParallelGiveTheSerialResults()
    {
        // Two arms × three seeds, one run at a time on two threads against two at a time on one thread each: every
        // score and diagnostic bit-identical, in the same order.
        var (digitsTrain, digitsTest) = Mnist.Load(TestPaths.Slice);
        var (itemsTrain, itemsTest) = FashionMnist.Load(TestPaths.FashionSlice);
        var setup = new DetectorSetup
        {
            Data = new DetectionSetup { TrainPositives = 0, TrainNegatives = 0, APositives = 0.1 }, Hidden = [32],
        };
        var defaults = Options() with { Epochs = 1 };
        DetectorArm[] arms =
        [
            DetectorArm.Parse("a:vae-weight=0,sampling=uniform", defaults, 3),
            DetectorArm.Parse("c:sampling=latent-density,combine=product,power=0.5,cap=5", defaults, 3),
        ];
        ulong[] seeds = [1, 2, 3];
        var built = new List<ulong>();
        (DetectionSet, DetectionSet) Data(ulong seed)
        {
            lock (built) built.Add(seed);
            return DetectorExperiment.Data(setup, seed, digitsTrain, digitsTest, itemsTrain, itemsTest);
        }
        var finished = new List<string>();
        var (serial, serialDone) = DetectorExperiment.RunAll(arms, setup, seeds, Data, jobs: 1, threadsPerJob: 2);
        Assert.That(built, Is.EqualTo(seeds), "each seed's data built once, in order");
        built.Clear();
        var (parallel, parallelDone) = DetectorExperiment.RunAll(arms, setup, seeds, Data, jobs: 2, threadsPerJob: 1,
            finished: f => finished.Add($"{f.Arm.Name}{f.Run.Seed}"));
        Assert.That(serialDone && parallelDone, Is.True);
        Assert.That(built, Is.EquivalentTo(seeds), "each seed's data built once");
        Assert.That(finished, Is.EquivalentTo(new[] { "a1", "c1", "a2", "c2", "a3", "c3" }));
        object Key(DetectorRun r) => (r.Arm, r.Seed, r.Scores, r.MeanPOfARelative, r.ShareADrawn, r.EssFraction);
        Assert.That(parallel.Select(Key), Is.EqualTo(serial.Select(Key)));
        Assert.That(serial.Select(r => $"{r.Arm}{r.Seed}"), Is.EqualTo(new[] { "a1", "c1", "a2", "c2", "a3", "c3" }));
    }

    [Test]
    public void PairedGapComparesTheSizesOfTheGapsSeedBySeed()
    {
        static DetectorRun Run(string arm, ulong seed, double gap) =>
            new(arm, seed, new DetectorMeasures(1 - gap, 1, gap, 0.9, 0.95, 0.01), 1, 0.01, 1, 1);
        // a: 0.20, 0.10, 0.30 (and seed 4, which c did not run); c: −0.05 (a reversed gap counts by its size), 0.12,
        // 0.10. Differences 0.15, −0.02, 0.20: mean 0.11, sd 0.1153, t = 0.11 / (0.1153 / √3) = 1.65.
        DetectorRun[] runs = [Run("a", 1, 0.2), Run("a", 2, 0.1), Run("a", 3, 0.3), Run("a", 4, 0.5),
            Run("c", 1, -0.05), Run("c", 2, 0.12), Run("c", 3, 0.1)];
        var p = PairedGap.Of(runs, "a", "c");
        Assert.That(p.Difference.Count, Is.EqualTo(3));
        Assert.That(p.Difference.Mean, Is.EqualTo(0.11).Within(1e-12));
        double sd = Math.Sqrt((0.04 * 0.04 + 0.13 * 0.13 + 0.09 * 0.09) / 2);
        Assert.That(p.Difference.Sd, Is.EqualTo(sd).Within(1e-12));
        Assert.That(p.T, Is.EqualTo(0.11 / (p.Difference.Sd / Math.Sqrt(3))).Within(1e-12));
        Assert.That(p.Smaller, Is.EqualTo(2));
    }

    [Test]
    public void TheTargetNeedsASpreadToBeBeyond()
    {
        var arms = new[] { DetectorArm.Parse("a:vae-weight=0,sampling=uniform", Options(), 3),
            DetectorArm.Parse("c", Options(), 3) };
        static DetectorRun Run(string arm, ulong seed, double gap) =>
            new(arm, seed, new DetectorMeasures(1 - gap, 1, gap, 0.9, 0.95, 0.01), 1, 0.01, 1, 1);
        var one = new[] { Run("a", 1, 0.3), Run("c", 1, 0.01) };
        Assert.That(DetectorArmSummary.Of(arms[1], one).Target(DetectorArmSummary.Of(arms[0], one)).BeyondSpread,
            Is.False, "one seed each");
        var two = new[] { Run("a", 1, 0.3), Run("a", 2, 0.32), Run("c", 1, 0.01), Run("c", 2, 0.02) };
        Assert.That(DetectorArmSummary.Of(arms[1], two).Target(DetectorArmSummary.Of(arms[0], two)),
            Is.EqualTo((true, true, true)));
    }

    [Test]
    public void StoppedRunsReturnWhatFinished()
    {
        var (digitsTrain, digitsTest) = Mnist.Load(TestPaths.Slice);
        var (itemsTrain, itemsTest) = FashionMnist.Load(TestPaths.FashionSlice);
        var setup = new DetectorSetup { Data = new DetectionSetup { TrainPositives = 0, TrainNegatives = 0 },
            Hidden = [32] };
        var arm = DetectorArm.Parse("a:vae-weight=0,sampling=uniform", Options() with { Epochs = 1 }, 3);
        int done = 0;
        var (runs, completed) = DetectorExperiment.RunAll([arm], setup, [1, 2, 3, 4],
            s => DetectorExperiment.Data(setup, s, digitsTrain, digitsTest, itemsTrain, itemsTest), jobs: 2,
            threadsPerJob: 1, stop: () => Volatile.Read(ref done) >= 1, finished: _ => Interlocked.Increment(ref done));
        Assert.That(completed, Is.False);
        Assert.That(runs.Count, Is.InRange(1, 3));
    }

    [Test]
    public void ANegativeContributesNoVaeGradient()
    {
        // Batch [digit, item]: changing the item's pixels must leave every decoder and logvar gradient bit-identical
        // (the VAE term is gated by y = 0), while the classifier head's gradient changes.
        var model = new VaeModel(Small);
        model.Initialize(new Rng(1));
        var objective = new ClassifierObjective { VaeWeight = 1 };
        var rng = new Rng(2);
        var x = new Tensor(2, Small.Input);
        foreach (ref float v in x.Data) v = rng.NextFloat();
        var eps = new Tensor(2, Small.Latent);
        rng.FillGaussian(eps.Data);
        byte[] labels = [1, 0];

        float[] Grads()
        {
            var tape = new Tape { Threads = 1 };
            model.Parameters.ZeroGrad();
            tape.Backward(objective.Forward(tape, model, x, labels, eps).Loss);
            return model.Parameters.Grads.ToArray();
        }
        var before = Grads();
        for (int i = Small.Input; i < 2 * Small.Input; i++) x.Data[i] = 1 - x.Data[i];   // another negative
        var after = Grads();

        int changedVae = 0, changedHead = 0, offset = 0;
        foreach (var t in model.Parameters.Tensors)
        {
            bool vaeOnly = t.Name.StartsWith("fc3", StringComparison.Ordinal) || t.Name.StartsWith("fc4", StringComparison.Ordinal)
                || t.Name.StartsWith("fc22", StringComparison.Ordinal);
            for (int i = offset; i < offset + t.Length; i++)
                if (before[i] != after[i])
                {
                    if (vaeOnly) changedVae++;
                    if (t.Name.StartsWith("head.", StringComparison.Ordinal)) changedHead++;
                }
            offset += t.Length;
        }
        Assert.That(changedVae, Is.Zero, "decoder and logvar gradients that moved with the negative's pixels");
        Assert.That(changedHead, Is.GreaterThan(0), "the classifier head does learn from the negative");
    }

    [Test]
    public void AllNegativeBatchGivesZeroDecoderGradient()
    {
        var model = new VaeModel(Small);
        model.Initialize(new Rng(1));
        var x = new Tensor(4, Small.Input);
        foreach (ref float v in x.Data) v = 0.5f;
        var eps = new Tensor(4, Small.Latent);
        new Rng(3).FillGaussian(eps.Data);
        var tape = new Tape { Threads = 1 };
        model.Parameters.ZeroGrad();
        tape.Backward(new ClassifierObjective { VaeWeight = 1 }.Forward(tape, model, x, new byte[4], eps).Loss);
        Assert.That(model.Parameters["fc4.weight"].Grad.ToArray(), Is.All.EqualTo(0f));
        Assert.That(model.Parameters["fc22.weight"].Grad.ToArray(), Is.All.EqualTo(0f));
        Assert.That(model.Parameters["head.classifier.weight"].Grad.ToArray(), Has.Some.Not.EqualTo(0f));
    }

    [Test]
    public void EveryBatchIsHalfPositivesThenHalfNegatives()
    {
        // Positives all white, negatives all black: each step's rows 0..h−1 must be white with label 1, the rest black
        // with 0.
        int n = 40;
        var white = new ImageSet(Enumerable.Repeat((byte)255, n * Mnist.Pixels).ToArray(), new byte[n]);
        var black = new ImageSet(new byte[(n + 7) * Mnist.Pixels], new byte[n + 7]);
        var data = new DetectionSet(white, new bool[n], black, new bool[n + 7]);
        var trainer = new DetectorTrainer(new VaeModel(Small), Options(PositiveSampling.Uniform) with { BatchSize = 8 }, data);
        int checks = 0;
        void CheckLastBatch()
        {
            var batch = trainer.LastBatch;
            int h = 4;
            Assert.That(batch.Labels.ToArray(), Is.EqualTo(new byte[] { 1, 1, 1, 1, 0, 0, 0, 0 }));
            Assert.That(batch.X.Data[..(h * Mnist.Pixels)].ToArray(), Is.All.EqualTo(1f));
            Assert.That(batch.X.Data[(h * Mnist.Pixels)..].ToArray(), Is.All.EqualTo(0f));
            checks++;
        }
        int steps = 0;
        trainer.RunEpoch(() =>
        {
            if (steps++ > 0) CheckLastBatch();   // asked before each step: the batch of the step before
            return false;
        });
        CheckLastBatch();
        Assert.That(trainer.BatchesPerEpoch, Is.EqualTo(n / 4));
        Assert.That(checks, Is.EqualTo(n / 4), "every step's batch checked");
        // Uniform sampling: each positive once per epoch.
        Assert.That(trainer.PositiveOrder.ToArray().Order(), Is.EqualTo(Enumerable.Range(0, n)));
    }

    [Test]
    public void OracleDrawsHalfItsPositivesFromTheRareGroup()
    {
        var (train, _) = Slices();
        var trainer = new DetectorTrainer(new VaeModel(Small), Options(PositiveSampling.Oracle), train);
        trainer.PrepareEpoch();
        var p = trainer.Probabilities!;
        double massA = Enumerable.Range(0, p.Length).Where(i => train.PositiveHasA[i]).Sum(i => (double)p[i]);
        Assert.That(massA, Is.EqualTo(0.5).Within(1e-6));
        double drawnA = trainer.PositiveOrder.ToArray().Count(i => train.PositiveHasA[i]) / (double)trainer.PositiveOrder.Length;
        Assert.That(drawnA, Is.InRange(0.35, 0.65), "288 draws at P = 1/2");
    }

    [Test]
    public void ProbabilitiesAreOverThePositivesOnlyFromTheirMu()
    {
        var (train, _) = Slices();
        var options = Options();
        var model = new VaeModel(Small);
        var trainer = new DetectorTrainer(model, options, train);
        trainer.PrepareEpoch();
        var p = trainer.Probabilities!;
        Assert.That(p, Has.Length.EqualTo(train.Positives.Count));
        var codes = LatentCodes.Encode(model, train.Positives, threads: 1);
        var expected = Debias.Probabilities(codes.Mu, codes.Count, codes.Latent, options.Debias);
        Assert.That(p, Is.EqualTo(Array.ConvertAll(expected, v => (float)v)));
        // The negatives do not enter: other negatives, same P.
        var fewerItems = new DetectionSet(train.Positives, train.PositiveHasA,
            Subsets.Select(train.Negatives, Enumerable.Range(0, 50).ToArray()), train.NegativeHasA[..50]);
        var other = new DetectorTrainer(new VaeModel(Small), options, fewerItems);
        other.PrepareEpoch();
        Assert.That(other.Probabilities, Is.EqualTo(p));
        Assert.That(p.Max(), Is.LessThanOrEqualTo(5.0 / p.Length * (1 + 1e-5)), "the cap of 5× uniform holds");
    }

    [Test]
    public void ClassifierHeadPassesGradCheck()
    {
        // A small tanh model (no ReLU kinks), 20 pixels so the loss stays small enough for float central differences.
        var config = ClassifierObjective.WithHead(new VaeConfig { Input = 20, Hidden = [16], Latent = 3, Activation = Activation.Tanh });
        var model = new VaeModel(config);
        var rng = new Rng(7);
        model.Initialize(rng);
        var x = new Tensor(4, 20);
        foreach (ref float v in x.Data) v = rng.NextFloat();
        var eps = new Tensor(4, 3);
        rng.FillGaussian(eps.Data);
        byte[] labels = [1, 0, 1, 0];
        var objective = new ClassifierObjective { VaeWeight = 0.05f, Beta = 2f };
        Tensor Loss(Tape tape) => objective.Forward(tape, model, x, labels, eps).Loss;
        foreach (string name in new[] { "head.classifier.weight", "head.classifier.bias", "fc1.weight", "fc21.weight" })
        {
            var r = GradCheck.Check($"dbvae ∂/∂{name}", Loss, [model.Parameters[name]], 12, new Rng(8));
            Assert.That(r.Passed, Is.True, r.ToString());
        }
    }

    [Test]
    public void VaeGradcheckCoversTheDbVaeLoss()
    {
        var dbvae = Vae.Lecture.ModelGradCheck.Check().Where(r => r.Name.StartsWith("dbvae loss", StringComparison.Ordinal)).ToList();
        Assert.That(dbvae.Select(r => r.Name), Has.Some.Contains("head.classifier.weight"));
        Assert.That(dbvae, Has.All.Matches<GradCheckResult>(r => r.Passed && r.Checked > 0));
    }

    [Test]
    public void ResumedDbVaeRunMatchesAnUninterruptedOneBitForBit()
    {
        var (train, _) = Slices();
        var options = Options();
        var whole = new DetectorTrainer(new VaeModel(Small), options, train);
        while (whole.State.Epoch < options.Epochs) whole.RunEpoch();

        using var tmp = new Data.TempDir();
        string path = tmp.File("resume.safetensors");
        var setup = new DetectionSetup { TrainPositives = 0, TrainNegatives = 0, APositives = 0.1 };
        var config = new DetectorRunConfig(setup, Small, options);
        var first = new DetectorTrainer(new VaeModel(Small), options, train);
        first.RunEpoch();
        int steps = 0;
        Assert.That(first.RunEpoch(() => steps++ >= 5).Completed, Is.False);   // stop in epoch 2 after 5 steps
        Checkpoint.Save(path, first.Model, config.ToMetadata(train), first.Optimizer, first.Capture());

        var (_, resumed) = DetectorRunConfig.Resume(path, options.Epochs, 1, c =>
        {
            Assert.That(c.Options.Objective.VaeWeight, Is.EqualTo(options.Objective.VaeWeight));
            Assert.That(c.Options.Debias, Is.EqualTo(options.Debias));
            return train;
        });
        Assert.That(resumed.State.BatchInEpoch, Is.EqualTo(5));
        while (resumed.State.Epoch < options.Epochs) resumed.RunEpoch();
        Assert.That(resumed.Model.Parameters.Values.ToArray(), Is.EqualTo(whole.Model.Parameters.Values.ToArray()));
        Assert.That(resumed.Optimizer.M, Is.EqualTo(whole.Optimizer.M));
    }

    [Test]
    public void ResumeRefusesOtherData()
    {
        var (train, _) = Slices();
        var (other, _) = Slices(seed: 2);
        using var tmp = new Data.TempDir();
        string path = tmp.File("resume.safetensors");
        var options = Options();
        var trainer = new DetectorTrainer(new VaeModel(Small), options, train);
        trainer.RunEpoch(() => true);
        var config = new DetectorRunConfig(new DetectionSetup(), Small, options);
        Checkpoint.Save(path, trainer.Model, config.ToMetadata(train), trainer.Optimizer, trainer.Capture());
        Assert.That(() => DetectorRunConfig.Resume(path, 2, 1, _ => other),
            Throws.TypeOf<InvalidInputFileException>().With.Message.Contains("other images"));
    }

    [Test]
    public void SteadyStateDetectorStepsAllocateNothing()
    {
        var (train, _) = Slices();
        var trainer = new DetectorTrainer(new VaeModel(ClassifierObjective.WithHead(new VaeConfig())),
            Options() with { Threads = 2 }, train);
        long before = 0, after = 0;
        int steps = 0;
        trainer.RunEpoch(() =>
        {
            if (steps == 3) before = GC.GetAllocatedBytesForCurrentThread();
            if (steps == 13) after = GC.GetAllocatedBytesForCurrentThread();
            return steps++ >= 13;
        });
        Assert.That(after - before, Is.Zero, "bytes allocated by 10 steady-state steps");
    }

    [Test]
    public void OptionsAndSetupSurviveTheirMetadata()
    {
        var options = Options() with
        {
            Objective = new ClassifierObjective { VaeWeight = 0.25f, Beta = 3f },
            Debias = new DebiasOptions(7, 0.01, DebiasCombine.Max, 2.5, 40),
        };
        var back = DetectorOptions.FromMetadata(options.ToMetadata());
        Assert.That(back with { Epochs = options.Epochs, Threads = options.Threads, Objective = options.Objective },
            Is.EqualTo(options));
        Assert.That(back.Objective.VaeWeight, Is.EqualTo(0.25f));
        Assert.That(back.Objective.Beta, Is.EqualTo(3f));
        var setup = new DetectionSetup { TrainPositives = 123, APositives = 0.02, ATest = 0.4 };
        Assert.That(DetectionSetup.FromMetadata(setup.ToMetadata()), Is.EqualTo(setup));
    }

    [Test]
    public void DetectionSetFlagsExactlyTheAskedShareAndInvertsThem()
    {
        var (digits, _) = Mnist.Load(TestPaths.Slice);
        var (items, _) = FashionMnist.Load(TestPaths.FashionSlice);
        var a = DetectionSet.Build(digits, 200, 0.05, items, 100, 0.5, seed: 4);
        var b = DetectionSet.Build(digits, 200, 0.05, items, 100, 0.5, seed: 4);
        Assert.That(a.PositivesWithA, Is.EqualTo(10));
        Assert.That(a.NegativesWithA, Is.EqualTo(50));
        Assert.That(a.Positives.Images, Is.EqualTo(b.Positives.Images), "same seed, same set");
        // An inverted digit's mean brightness is 255 minus an ordinary one's: MNIST digits are mostly black.
        double Mean(ImageSet s, int i) => s.Image(i).ToArray().Average(v => (double)v);
        int inverted = Array.IndexOf(a.PositiveHasA, true), plain = Array.IndexOf(a.PositiveHasA, false);
        Assert.That(Mean(a.Positives, inverted), Is.GreaterThan(180));
        Assert.That(Mean(a.Positives, plain), Is.LessThan(75));
    }
}
