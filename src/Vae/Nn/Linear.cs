using Vae.Engine;

namespace Vae.Nn;

/// <summary>
/// A dense layer exactly as PyTorch's nn.Linear: weight (Out, In), bias (Out), y = x·Wᵀ + b, initialised with
/// Kaiming-uniform (a = √5), i.e. W, b ~ U(−1/√In, 1/√In).
/// </summary>
public sealed class Linear
{
    private readonly ParameterSet _parameters;
    private readonly int _weight, _bias;

    public string Name { get; }
    public int In { get; }
    public int Out { get; }

    public Linear(ParameterSet parameters, string name, int inFeatures, int outFeatures)
    {
        if (inFeatures < 1 || outFeatures < 1) throw new ArgumentOutOfRangeException(nameof(inFeatures), "layer sizes must be >= 1");
        _parameters = parameters;
        Name = name;
        In = inFeatures;
        Out = outFeatures;
        _weight = parameters.Declare(name + ".weight", outFeatures, inFeatures);
        _bias = parameters.Declare(name + ".bias", 1, outFeatures, [outFeatures]);
    }

    public Tensor Weight => _parameters[_weight];
    public Tensor Bias => _parameters[_bias];

    /// <summary>
    /// PyTorch's reset_parameters: kaiming_uniform_(W, a=√5) gives bound = gain·√(3/fan_in) with
    /// gain = √(2/(1+a²)) = √(1/3), so bound = 1/√fan_in; the bias uses the same bound.
    /// </summary>
    public void Initialize(Rng rng)
    {
        float bound = 1f / MathF.Sqrt(In);
        foreach (ref float w in Weight.Data) w = rng.NextUniform(-bound, bound);
        foreach (ref float b in Bias.Data) b = rng.NextUniform(-bound, bound);
    }

    /// <summary>
    /// Glorot &amp; Bengio (2010), eq. 16, times <paramref name="scale"/>: W ~ U(±scale·√(6/(In+Out))), so that
    /// Var W = scale²·2/(In+Out) (a uniform on ±a has variance a²/3); b = 0. Draws only the weights.
    /// </summary>
    public void InitializeGlorot(Rng rng, float scale = 1f)
    {
        float bound = scale * MathF.Sqrt(6f / (In + Out));
        foreach (ref float w in Weight.Data) w = rng.NextUniform(-bound, bound);
        Bias.Data.Clear();
    }

    /// <summary>x (B,In) · Wᵀ (In,Out) + b (Out) → y (B,Out).</summary>
    public Tensor Forward(Tape tape, Tensor x) => tape.Linear(x, Weight, Bias);
}
