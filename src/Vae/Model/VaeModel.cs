using Vae.Engine;
using Vae.Nn;

namespace Vae.Model;

/// <summary>
/// The per-image parts of one forward pass (views owned by the tape until its next Reset): the encoder's μ and
/// logvar, the sampled z, the decoder's logits, −log p(x|z) (B,1) and KL(q(z|x) ‖ p(z)) (B,1; null for the AE).
/// </summary>
public readonly record struct VaeOutputs(Tensor Mu, Tensor? LogVar, Tensor Z, Tensor Logits, Tensor Reconstruction,
    Tensor? Kl)
{
    /// <summary>Mean reconstruction term over the batch, in nats per image.</summary>
    public double MeanReconstruction => Mean(Reconstruction);

    /// <summary>Mean KL term over the batch (0 for the autoencoder), in nats per image.</summary>
    public double MeanKl => Kl is null ? 0 : Mean(Kl);

    private static double Mean(Tensor t)
    {
        double s = 0;
        foreach (float v in t.Data) s += v;
        return t.Length == 0 ? 0 : s / t.Length;
    }
}

/// <summary>What the encoder computes for a batch: μ, logvar (null for the AE) and its last hidden layer.</summary>
public readonly record struct EncoderOutput(Tensor Mu, Tensor? LogVar, Tensor Hidden)
{
    public void Deconstruct(out Tensor mu, out Tensor? logVar) => (mu, logVar) = (Mu, LogVar);
}

/// <summary>
/// The model of the lecture: encoder q(z|x) = N(μ(x), diag e^logvar(x)), decoder p(x|z), prior p(z) = N(0, I).
/// It computes the per-image terms (−log p(x|z) and the analytic KL); an objective (Objectives/) turns them into the
/// loss. With <see cref="ModelKind.Ae"/> it is the deterministic autoencoder: z = encoder(x), no sampling and no KL.
/// Heads (<see cref="VaeConfig.Heads"/>) are extra linear outputs of the encoder's last hidden layer, e.g. the class
/// logit of a DB-VAE.
/// <para>Layer names follow pytorch/examples' VAE (fc1, fc21, fc22, fc3, fc4) so checkpoints load there.</para>
/// </summary>
public sealed class VaeModel
{
    /// <summary>
    /// logvar is clamped to this range inside the loss: e^±30 stays far from float overflow in the KL and in σ, and
    /// a σ of e^−15 ≈ 3e−7 or e^10 is far beyond anything a trained encoder uses. Gradients stop at the bounds.
    /// </summary>
    public const float LogVarMin = -30f, LogVarMax = 20f;

    private readonly Linear[] _encoder;
    private readonly Linear _mu;
    private readonly Linear? _logVar;
    private readonly Linear[] _decoder;
    private readonly Linear _output;
    private readonly Dictionary<string, Linear> _heads = new(StringComparer.Ordinal);

    public VaeConfig Config { get; }
    public ParameterSet Parameters { get; } = new();

    public VaeModel(VaeConfig config)
    {
        config.Validate();
        Config = config;
        bool pytorchNames = config.Hidden.Length == 1;
        var h = config.Hidden;
        _encoder = new Linear[h.Length];
        for (int i = 0; i < h.Length; i++)
            _encoder[i] = new Linear(Parameters, pytorchNames ? "fc1" : $"encoder.{i}", i == 0 ? config.Input : h[i - 1], h[i]);
        _mu = new Linear(Parameters, pytorchNames ? "fc21" : "fc_mu", h[^1], config.Latent);
        if (config.Kind == ModelKind.Vae)
            _logVar = new Linear(Parameters, pytorchNames ? "fc22" : "fc_logvar", h[^1], config.Latent);
        _decoder = new Linear[h.Length];
        for (int i = 0; i < h.Length; i++)
            _decoder[i] = new Linear(Parameters, pytorchNames ? "fc3" : $"decoder.{i}", i == 0 ? config.Latent : h[^i], h[^(i + 1)]);
        _output = new Linear(Parameters, pytorchNames ? "fc4" : "fc_out", h[0], config.Input);
        foreach (var head in config.Heads) _heads[head.Name] = new Linear(Parameters, $"head.{head.Name}", h[^1], head.Outputs);
        Parameters.Allocate();
    }

    public int Latent => Config.Latent;

    /// <summary>The decoder's layers in order, the output layer (logits) last; the hidden ones use the
    /// activation.</summary>
    public IReadOnlyList<Linear> DecoderLayers => [.. _decoder, _output];
    public bool IsVariational => Config.Kind == ModelKind.Vae;

    /// <summary>
    /// Initialises every layer, in declaration order, from one seeded source: PyTorch's default, or Glorot's, or
    /// Burda et al.'s (<see cref="WeightInit"/>). <paramref name="outputBias"/> (Input values) is the decoder's output
    /// bias for <see cref="WeightInit.Burda"/>, the logits of the training set's mean pixels; the others ignore it.
    /// </summary>
    public void Initialize(Rng rng, WeightInit init = WeightInit.Default, ReadOnlySpan<float> outputBias = default)
    {
        if (init == WeightInit.Burda && outputBias.Length != Config.Input)
            throw new ArgumentException($"the burda initialisation needs {Config.Input} output biases, " +
                $"not {outputBias.Length}");
        foreach (var layer in AllLayers())
        {
            if (init == WeightInit.Default) layer.Initialize(rng);
            // Their σ = exp(W h + b); our logvar = 2 log σ, so the same initial σ needs twice their weights.
            else layer.InitializeGlorot(rng, init == WeightInit.Burda && layer == _logVar ? 2f : 1f);
        }
        if (init == WeightInit.Burda) outputBias.CopyTo(_output.Bias.Data);
    }

    /// <summary>The layers in declaration order (the heads after the rest: old runs keep their bits).</summary>
    private IEnumerable<Linear> AllLayers()
    {
        foreach (var layer in _encoder) yield return layer;
        yield return _mu;
        if (_logVar != null) yield return _logVar;
        foreach (var layer in _decoder) yield return layer;
        yield return _output;
        foreach (var head in Config.Heads) yield return _heads[head.Name];
    }

    private Tensor Activate(Tape tape, Tensor x) => Config.Activation == Activation.Relu ? tape.Relu(x) : tape.Tanh(x);

    /// <summary>x (B,In) → μ (B,J) and logvar (B,J), clamped to [LogVarMin, LogVarMax]; the autoencoder has no logvar.</summary>
    public EncoderOutput Encode(Tape tape, Tensor x)
    {
        var h = x;
        foreach (var layer in _encoder) h = Activate(tape, layer.Forward(tape, h));
        var mu = _mu.Forward(tape, h);
        var logVar = _logVar == null ? null : tape.Clamp(_logVar.Forward(tape, h), LogVarMin, LogVarMax);
        return new EncoderOutput(mu, logVar, h);
    }

    /// <summary>The head called <paramref name="name"/> on the encoder's last hidden layer: (B,H) → (B,outputs).</summary>
    public Tensor Head(Tape tape, string name, Tensor hidden) =>
        _heads.TryGetValue(name, out var head) ? head.Forward(tape, hidden)
            : throw new ArgumentException($"the model has no head '{name}' (heads: {string.Join(", ", _heads.Keys)})");

    /// <summary>z (B,J) → decoder logits (B,In); the image is σ(logits).</summary>
    public Tensor Decode(Tape tape, Tensor z)
    {
        var h = z;
        foreach (var layer in _decoder) h = Activate(tape, layer.Forward(tape, h));
        return _output.Forward(tape, h);
    }

    /// <summary>
    /// One forward pass: x (B,In) in [0,1], eps (B,J) ~ N(0, I) drawn by the caller (ignored by the autoencoder).
    /// z = μ + σ ⊙ ε (the reparameterization trick), then the per-image reconstruction and KL terms.
    /// </summary>
    public VaeOutputs Forward(Tape tape, Tensor x, Tensor eps)
    {
        var (mu, logVar, _) = Encode(tape, x);
        var z = logVar == null ? mu : tape.Reparameterize(mu, logVar, eps);   // z = μ + σ ⊙ ε
        var logits = Decode(tape, z);
        var recon = Reconstruction(tape, logits, x);
        var kl = logVar == null ? null : tape.KlStandardNormal(mu, logVar);
        return new VaeOutputs(mu, logVar, z, logits, recon, kl);
    }

    /// <summary>− log p(x|z) per image (B,1): BCE with logits for Bernoulli; for Gaussian, the unit-variance NLL of x
    /// around σ(logits) (the VAE) or the lecture's ‖x − x̂‖² (the autoencoder).</summary>
    public Tensor Reconstruction(Tape tape, Tensor logits, Tensor x) => Config.Likelihood switch
    {
        Likelihood.Bernoulli => tape.BceWithLogits(logits, x),
        _ when Config.Kind == ModelKind.Ae => tape.SquaredError(tape.Sigmoid(logits), x),
        _ => tape.GaussianNll(tape.Sigmoid(logits), x),
    };

    /// <summary>Decoder images σ(logits) for latent codes z (n rows of J), written to dest (n rows of In).</summary>
    public void DecodeImages(Tape tape, Tensor z, Span<float> dest)
    {
        tape.Reset();
        var logits = Decode(tape, z);
        Kernels.Elementwise.Map<Kernels.SigmoidOp>(logits.Data, dest[..logits.Length]);
    }

    /// <summary>The tensors saved in a checkpoint: (name, stored shape, values), in declaration order.</summary>
    public IReadOnlyList<(string Name, int[] Shape, Tensor Tensor)> NamedParameters()
    {
        var list = new List<(string, int[], Tensor)>();
        for (int i = 0; i < Parameters.Tensors.Count; i++)
            list.Add((Parameters.Tensors[i].Name, Parameters.StoredShape(i), Parameters.Tensors[i]));
        return list;
    }
}
