using System.Diagnostics;
using Vae.Data;
using Vae.Engine;
using Vae.Analysis;
using Vae.Model;
using Vae.Nn;
using Vae.Objectives;

namespace Vae.Training;

/// <summary>
/// Trains a DB-VAE detector (Amini et al. 2019, Algorithm 1): every step takes half a batch of positives and half a
/// batch of negatives, runs <see cref="ClassifierObjective"/> on the shared encoder, backward, Adam. The positives of
/// an epoch
/// are a shuffle (uniform), draws from P ∝ 1/latent density of their μ under the weights at the epoch's start
/// (DB-VAE), or draws half from the positives with A and half from the rest (oracle); the negatives are a shuffle,
/// repeated if there are fewer of them than the epoch needs. Like <see cref="Trainer"/> it owns its buffers (a
/// steady-state step allocates nothing) and keeps its whole position in <see cref="State"/>, so a run saved at any
/// step boundary resumes to the same bits.
/// </summary>
public sealed class DetectorTrainer
{
    private readonly Tape _tape;
    private readonly Batch _batch;
    private readonly int[] _positives, _negatives;
    private readonly int[] _drawn;
    private string? _orderState;
    private readonly Rng _shuffle, _noise;
    private readonly DetectionSet _data;

    public VaeModel Model { get; }
    public DetectorOptions Options { get; }
    public Adam Optimizer { get; }
    public TrainingState State { get; }

    /// <summary>Steps per epoch: ⌊positives / (batch/2)⌋, so every batch is exactly half positives.</summary>
    public int BatchesPerEpoch { get; }

    public DetectorTrainer(VaeModel model, DetectorOptions options, DetectionSet data, TrainingState? resume = null,
        Adam? optimizer = null)
    {
        options.Validate();
        options.Objective.Validate(model.Config);
        if (data.Positives.Count < options.HalfBatch)
            throw new ArgumentException(
                $"{data.Positives.Count} positives do not fill half a batch of {options.BatchSize}");
        Model = model;
        Options = options;
        _data = data;
        int b = options.BatchSize, h = options.HalfBatch;
        _tape = new Tape { Threads = options.Threads };
        _batch = new Batch(new Tensor(b, model.Config.Input, name: "x"), new Tensor(b, model.Latent, name: "eps"));
        for (int i = 0; i < b; i++) _batch.LabelBuffer[i] = i < h ? (byte)1 : (byte)0;   // rows 0..h−1: positives
        _drawn = new int[h];
        BatchesPerEpoch = data.Positives.Count / h;
        _positives = new int[BatchesPerEpoch * h];
        _negatives = new int[data.Negatives.Count];
        _shuffle = new Rng(options.Seed, RngStreams.Shuffle);
        _noise = new Rng(options.Seed, RngStreams.Noise);
        Optimizer = optimizer ?? new Adam(model.Parameters.Count, options.LearningRate);
        Optimizer.Threads = options.Threads;
        if (resume == null)
        {
            model.Initialize(new Rng(options.Seed, RngStreams.Init));
            State = new TrainingState { ShuffleAtEpochStart = _shuffle.GetState(), Noise = _noise.GetState() };
        }
        else
        {
            State = resume;
            _noise.SetState(resume.Noise ?? throw new ArgumentException("the resume state has no noise stream"));
        }
    }

    /// <summary>The positives the epoch under way draws from (null for uniform sampling until an epoch is
    /// prepared).</summary>
    public float[]? Probabilities => State.DebiasProbabilities;

    /// <summary>The batch of the last step (tests read its composition).</summary>
    internal Batch LastBatch => _batch;

    /// <summary>The positives of the epoch under way, in the order they are used (half a batch per step).</summary>
    public ReadOnlySpan<int> PositiveOrder => _positives;

    /// <summary>
    /// Trains until the end of the current epoch, or until <paramref name="stop"/> returns true between two steps.
    /// </summary>
    public EpochResult RunEpoch(Func<bool>? stop = null, Action<BatchProgress>? progress = null, int progressEvery = 20)
    {
        int epoch = State.Epoch + 1;
        PrepareEpoch();
        var clock = Stopwatch.StartNew();
        double secondsBefore = State.EpochSeconds;
        long imagesBefore = State.EpochSums.Images;
        int h = Options.HalfBatch;
        while (State.BatchInEpoch < BatchesPerEpoch)
        {
            if (stop?.Invoke() == true)
            {
                State.EpochSeconds = secondsBefore + clock.Elapsed.TotalSeconds;
                return new EpochResult(epoch, State.EpochSums, State.EpochSeconds, Completed: false);
            }
            Step(epoch, State.BatchInEpoch * h);
            State.BatchInEpoch++;
            if (progress != null && (State.BatchInEpoch % progressEvery == 0 || State.BatchInEpoch == BatchesPerEpoch))
            {
                progress(BatchProgress.Of(epoch, State.BatchInEpoch, BatchesPerEpoch, State.EpochSums, imagesBefore,
                    clock.Elapsed.TotalSeconds, imagesLeft: (long)(BatchesPerEpoch - State.BatchInEpoch) * Options.BatchSize));
            }
        }
        return State.EndEpoch(epoch, secondsBefore + clock.Elapsed.TotalSeconds, _shuffle.GetState());
    }

    /// <summary>
    /// Builds the epoch's orders from the shuffle stream as it stood at the epoch's start: the negatives' shuffle, then
    /// the positives (a shuffle, or draws from P). P comes from the weights at the epoch's start, which a mid-epoch
    /// checkpoint no longer has, so it travels in the state. Called by <see cref="RunEpoch"/>; public so a caller
    /// can look at <see cref="Probabilities"/> and <see cref="PositiveOrder"/> before the epoch runs.
    /// </summary>
    public void PrepareEpoch()
    {
        if (_orderState == State.ShuffleAtEpochStart) return;
        _shuffle.SetState(State.ShuffleAtEpochStart);
        for (int i = 0; i < _negatives.Length; i++) _negatives[i] = i;
        _shuffle.Shuffle(_negatives);
        if (Options.Sampling == PositiveSampling.Uniform)
        {
            var all = Enumerable.Range(0, _data.Positives.Count).ToArray();
            _shuffle.Shuffle(all);
            all.AsSpan(0, _positives.Length).CopyTo(_positives);
        }
        else
        {
            if (State.DebiasProbabilities == null)
            {
                if (State.BatchInEpoch > 0)
                    throw new InvalidOperationException(
                        "a resampled run resumed mid-epoch needs its saved probabilities");
                State.DebiasProbabilities = Array.ConvertAll(ComputeProbabilities(), v => (float)v);
            }
            if (State.DebiasProbabilities.Length != _data.Positives.Count)
                throw new ArgumentException("the saved probabilities do not match the positives");
            Debias.Draw(State.DebiasProbabilities, _shuffle, _positives);
        }
        _orderState = State.ShuffleAtEpochStart;
    }

    /// <summary>P over the positives only (the VAE models them alone), from the current weights.</summary>
    public double[] ComputeProbabilities()
    {
        if (Options.Sampling == PositiveSampling.Oracle) return OracleProbabilities(_data.PositiveHasA);
        var codes = LatentCodes.Encode(Model, _data.Positives, batchSize: Options.EvalBatchSize,
            threads: Options.Threads);
        return Debias.Probabilities(codes.Mu, codes.Count, codes.Latent, Options.Debias);
    }

    /// <summary>Half the mass spread evenly over the positives with A, half over the rest (all on one group if the
    /// other is empty).</summary>
    public static double[] OracleProbabilities(ReadOnlySpan<bool> hasA)
    {
        int withA = 0;
        foreach (bool a in hasA) if (a) withA++;
        int without = hasA.Length - withA;
        double pa = withA == 0 ? 0 : (without == 0 ? 1.0 : 0.5) / withA;
        double pn = without == 0 ? 0 : (withA == 0 ? 1.0 : 0.5) / without;
        var p = new double[hasA.Length];
        for (int i = 0; i < p.Length; i++) p[i] = hasA[i] ? pa : pn;
        return p;
    }

    private void Step(int epoch, int start)
    {
        int h = Options.HalfBatch;
        int input = Model.Config.Input;
        var x = _batch.X.Data;
        _data.Positives.FillBatch(_positives.AsSpan(start, h), x[..(h * input)]);
        for (int i = 0; i < h; i++) _drawn[i] = _negatives[(start + i) % _negatives.Length];
        _data.Negatives.FillBatch(_drawn, x[(h * input)..]);
        // ε ~ N(0, I): the step's only randomness (none for the classifier alone)
        if (Options.Objective.VaeWeight > 0) _noise.FillGaussian(_batch.Eps.Data, Options.Threads);

        _tape.Reset();
        var f = Options.Objective.Loss(_tape, Model, _batch, new StepContext(State.Step, BatchesPerEpoch));
        float loss = f.Loss.Value;
        if (!float.IsFinite(loss))
            throw new NonFiniteLossException(epoch, State.BatchInEpoch + 1, Optimizer.Step + 1, loss);

        _tape.Backward(f.Loss);   // into gradients the last Adam update left at 0
        Optimizer.Update(Model.Parameters.Values, Model.Parameters.Grads);

        State.EpochSums.Add(f.Nats, f.Reconstruction, f.Kl, Options.BatchSize);
        State.Noise = null;   // the live stream is the truth until the state is captured
        State.Step = Optimizer.Step;
    }

    /// <summary>The state with the noise stream's current position filled in, ready to save.</summary>
    public TrainingState Capture()
    {
        State.Noise = _noise.GetState();
        State.Step = Optimizer.Step;
        return State;
    }
}
