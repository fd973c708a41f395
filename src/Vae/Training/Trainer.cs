using System.Diagnostics;
using Vae.Analysis;
using Vae.Data;
using Vae.Engine;
using Vae.Model;
using Vae.Nn;
using Vae.Objectives;

namespace Vae.Training;

/// <summary>
/// The training loop, one step in order: draw a batch (data) → forward and loss (model) → tape backward → Adam
/// update (optimizer), the last two as one pass by default (<see cref="Adam.BackwardAndUpdate"/>). It owns every buffer it needs, so a steady-state step allocates nothing. It returns numbers;
/// printing and files are the caller's business.
/// <para>
/// Its position (epoch, batch inside the epoch, the two random streams, Adam's step and the epoch's running sums) is
/// all in <see cref="State"/>, so a run saved at any step boundary resumes to the same bits.
/// </para>
/// </summary>
public sealed class Trainer
{
    private readonly Tape _tape;
    private readonly Batch _batch;
    private readonly int _batchesPerEpoch;
    private readonly int[] _order;
    private string? _orderState;   // the shuffle state _order was built from
    private readonly Rng _shuffle, _noise;

    public VaeModel Model { get; }
    public TrainOptions Options { get; }
    public Adam Optimizer { get; }
    public TrainingState State { get; }

    /// <summary>
    /// A trainer for <paramref name="model"/>. With no <paramref name="resume"/> state, the model is initialised from the
    /// seed; otherwise the caller has restored the weights and Adam's moments and the run continues where it stopped.
    /// </summary>
    public Trainer(VaeModel model, TrainOptions options, int trainCount, TrainingState? resume = null, Adam? optimizer = null)
        : this(model, options, trainCount, resume, optimizer, initData: null) { }

    /// <summary>A fresh run on <paramref name="train"/>: the model is initialised from the seed as
    /// <see cref="TrainOptions.Init"/> says (burda reads the training images' mean).</summary>
    public Trainer(VaeModel model, TrainOptions options, ImageSet train)
        : this(model, options, train.Count, resume: null, optimizer: null, initData: train) { }

    private Trainer(VaeModel model, TrainOptions options, int trainCount, TrainingState? resume, Adam? optimizer,
        ImageSet? initData)
    {
        options.Validate();
        Model = model;
        Options = options;
        _tape = new Tape { Threads = options.Threads };
        options.Objective.Validate(model.Config);
        _batch = new Batch(new Tensor(options.BatchSize, model.Config.Input, name: "x"),
            new Tensor(options.BatchSize * options.Objective.SamplesPerImage, model.Latent, name: "eps"));
        _order = new int[trainCount];
        _shuffle = new Rng(options.Seed, RngStreams.Shuffle);
        _noise = new Rng(options.Seed, RngStreams.Noise);
        Optimizer = optimizer ?? new Adam(model.Parameters.Count, options.LearningRate, epsilon: options.AdamEpsilon);
        Optimizer.Threads = options.Threads;
        FusedUpdate = options.FusedUpdate;
        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        ThreadChoice = options.AdaptThreads && threads > 1 ? new ThreadChooser(threads) : null;
        _batchesPerEpoch = BatchesPerEpoch(trainCount);
        if (resume == null)
        {
            ModelInitialization.Apply(model, options, initData);
            State = new TrainingState { ShuffleAtEpochStart = _shuffle.GetState(), Noise = _noise.GetState() };
        }
        else
        {
            State = resume;
            _noise.SetState(resume.Noise ?? throw new ArgumentException("the resume state has no noise stream"));
        }
    }

    /// <summary>Adam inside the backward pass (from <see cref="TrainOptions.FusedUpdate"/>); may be switched between
    /// steps, as both orders give the same bits (a benchmark alternates them in one run).</summary>
    public bool FusedUpdate { get; set; }

    /// <summary>When set, chooses every few thousand steps between all threads and one by timing both (the
    /// default, from <see cref="TrainOptions.AdaptThreads"/>); null: always <see cref="TrainOptions.Threads"/>. May be
    /// switched between steps.</summary>
    public ThreadChooser? ThreadChoice { get; set; }

    private StepProfile? _profile;

    /// <summary>When set, every step is timed into it, by phase and by op (off by default: it reads the clock around
    /// every op).</summary>
    public StepProfile? Profile
    {
        get => _profile;
        set { _profile = value; _tape.Profile = value?.Ops; }
    }

    public int BatchesPerEpoch(int count) => (count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>
    /// Trains until the end of the current epoch, or until <paramref name="stop"/> returns true between two steps.
    /// Returns the epoch's numbers; <see cref="EpochResult.Completed"/> tells which of the two happened.
    /// </summary>
    public EpochResult RunEpoch(ImageSet train, Func<bool>? stop = null, Action<BatchProgress>? progress = null,
        int progressEvery = 10)
    {
        if (train.Count != _order.Length) throw new ArgumentException("the training set changed size");
        int epoch = State.Epoch + 1;
        int batches = BatchesPerEpoch(train.Count);
        PrepareOrder(train);
        if (Options.Schedule == BurdaSchedule.Name) Optimizer.LearningRate = BurdaSchedule.LearningRateAt(epoch);

        var clock = Stopwatch.StartNew();
        double secondsBefore = State.EpochSeconds;
        long imagesBefore = State.EpochSums.Images;
        while (State.BatchInEpoch < batches)
        {
            if (stop?.Invoke() == true)
            {
                State.EpochSeconds = secondsBefore + clock.Elapsed.TotalSeconds;
                return new EpochResult(epoch, State.EpochSums, State.EpochSeconds, Completed: false);
            }
            int start = State.BatchInEpoch * Options.BatchSize;
            int size = Math.Min(Options.BatchSize, train.Count - start);
            long began = Stopwatch.GetTimestamp();
            Step(train, _order.AsSpan(start, size), epoch);
            // A short last batch would not compare with the others.
            if (size == Options.BatchSize) ThreadChoice?.Record(Stopwatch.GetTimestamp() - began);
            State.BatchInEpoch++;

            if (progress != null && (State.BatchInEpoch % progressEvery == 0 || State.BatchInEpoch == batches))
            {
                progress(BatchProgress.Of(epoch, State.BatchInEpoch, batches, State.EpochSums, imagesBefore,
                    clock.Elapsed.TotalSeconds, imagesLeft: train.Count - State.EpochSums.Images));
            }
        }
        return State.EndEpoch(epoch, secondsBefore + clock.Elapsed.TotalSeconds, _shuffle.GetState());
    }

    /// <summary>
    /// The epoch's order: the identity shuffled by the shuffle stream as it stood at the epoch's start (or, with
    /// --resample-latent, N weighted draws from that stream), so a run resumed in the middle of an epoch rebuilds the
    /// same order.
    /// </summary>
    private void PrepareOrder(ImageSet train)
    {
        if (_orderState == State.ShuffleAtEpochStart) return;
        _shuffle.SetState(State.ShuffleAtEpochStart);
        if (Options.Debias is { } debias)
        {
            // Latent-density resampling: N draws with replacement from P(μ of the weights at the epoch's start). A run
            // resumed mid-epoch no
            // longer has those weights, so P travels in the state (and the checkpoint); at an epoch start it is recomputed.
            if (State.BatchInEpoch == 0 || State.DebiasProbabilities == null)
            {
                if (State.BatchInEpoch > 0)
                    throw new InvalidOperationException(
                        "a --resample-latent run resumed mid-epoch needs its saved probabilities");
                var codes = LatentCodes.Encode(Model, train, batchSize: Options.EvalBatchSize, threads: Options.Threads);
                var p = Debias.Probabilities(codes.Mu, codes.Count, codes.Latent, debias);
                State.DebiasProbabilities = Array.ConvertAll(p, v => (float)v);
            }
            if (State.DebiasProbabilities.Length != train.Count) throw new ArgumentException("the saved debias probabilities do not match the training set");
            Debias.Draw(State.DebiasProbabilities, _shuffle, _order);
        }
        else
        {
            for (int i = 0; i < _order.Length; i++) _order[i] = i;
            _shuffle.Shuffle(_order);
        }
        _orderState = State.ShuffleAtEpochStart;
    }

    /// <summary>One step: batch → ε → loss on the tape → backward → (clip) → Adam. Allocation-free.</summary>
    private void Step(ImageSet train, ReadOnlySpan<int> indices, int epoch)
    {
        int b = indices.Length;
        var (x, eps) = (_batch.X, _batch.Eps);
        int threads = ThreadChoice?.Next ?? Options.Threads;
        (_tape.Threads, Optimizer.Threads) = (threads, threads);
        long clock = _profile == null ? 0 : Stopwatch.GetTimestamp();
        x.Reshape(b, Model.Config.Input, requiresGrad: false);
        eps.Reshape(b * Options.Objective.SamplesPerImage, Model.Latent, requiresGrad: false);
        train.FillBatch(indices, x.Data, use: (ulong)Optimizer.Step, threads);   // use: keys binarisation
        for (int i = 0; i < b; i++) _batch.LabelBuffer[i] = train.Labels[indices[i]];
        Lap(StepPhase.Batch, ref clock);
        if (Model.IsVariational) _noise.FillGaussian(eps.Data, threads);   // ε ~ N(0, I), the step's one draw
        Lap(StepPhase.Noise, ref clock);

        _tape.Reset();
        var f = Options.Objective.Loss(_tape, Model, _batch, new StepContext(State.Step, _batchesPerEpoch));
        float loss = f.Loss.Value;
        if (!float.IsFinite(loss)) throw new NonFiniteLossException(epoch, State.BatchInEpoch + 1, Optimizer.Step + 1, loss);
        Lap(StepPhase.Forward, ref clock);

        if (FusedUpdate && Options.ClipGradNorm == 0)
        {
            // The weights are updated inside the backward pass, as their gradients come out of the products; the
            // optimizer phase is then only what the products did not hand over (the biases).
            Optimizer.BackwardAndUpdate(_tape, f.Loss, Model.Parameters);
            Lap(StepPhase.Backward, ref clock);
        }
        else
        {
            _tape.Backward(f.Loss);   // into gradients the last Adam update left at 0
            Lap(StepPhase.Backward, ref clock);
            if (Options.ClipGradNorm > 0) ClipGradients(Options.ClipGradNorm);
            Optimizer.Update(Model.Parameters.Values, Model.Parameters.Grads);
        }
        Lap(StepPhase.Optimizer, ref clock);
        if (_profile != null) _profile.Steps++;

        State.EpochSums.Add(f.Nats, f.Reconstruction, f.Kl, b);
        State.Noise = null; // the live stream is the truth until the state is captured
        State.Step = Optimizer.Step;
    }

    /// <summary>With a profile, adds the time since <paramref name="clock"/> to <paramref name="phase"/> and restarts
    /// the clock.</summary>
    private void Lap(StepPhase phase, ref long clock)
    {
        if (_profile == null) return;
        long now = Stopwatch.GetTimestamp();
        _profile.Add(phase, now - clock);
        clock = now;
    }

    /// <summary>Scales all gradients by min(1, max_norm / ‖g‖₂) (as torch.nn.utils.clip_grad_norm_).</summary>
    private void ClipGradients(float maxNorm)
    {
        float norm = Model.Parameters.GradNorm();
        if (norm > maxNorm && float.IsFinite(norm))
        {
            float s = maxNorm / (norm + 1e-6f);
            foreach (ref float g in Model.Parameters.Grads) g *= s;
        }
    }

    /// <summary>The state with the noise stream's current position filled in, ready to save.</summary>
    public TrainingState Capture()
    {
        State.Noise = _noise.GetState();
        State.Step = Optimizer.Step;
        return State;
    }

    private Evaluator? _evaluator;

    /// <summary>Evaluates the model on <paramref name="data"/>, reusing one set of buffers across epochs.</summary>
    public Evaluation Evaluate(ImageSet data)
    {
        _evaluator ??= new Evaluator(Options.EvalBatchSize, Options.Threads);
        return _evaluator.Run(Model, data, Options.Seed, Options.Objective.EvaluationBound);
    }
}
