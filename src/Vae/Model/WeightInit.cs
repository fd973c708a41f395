namespace Vae.Model;

/// <summary>How <see cref="VaeModel.Initialize"/> draws a fresh model's weights and biases.</summary>
public enum WeightInit
{
    /// <summary>PyTorch's nn.Linear default: W, b ~ U(±1/√fan_in).</summary>
    Default,

    /// <summary>Glorot &amp; Bengio (2010), eq. 16: W ~ U(±√(6/(fan_in + fan_out))), i.e. Var W = 2/(fan_in + fan_out);
    /// b = 0.</summary>
    Glorot,

    /// <summary>
    /// What Burda et al.'s own code (yburda/iwae) starts from: <see cref="Glorot"/>, plus the decoder's output bias set
    /// to the logit of the training images' mean intensity (clipped to [0.001, 0.999]), and the logvar layer's weights
    /// doubled, because their encoder outputs log σ and ours log σ² = 2 log σ (the same initial q(z|x)).
    /// </summary>
    Burda,
}

/// <summary>The names of <see cref="WeightInit"/> on the command line and in checkpoint metadata.</summary>
public static class WeightInits
{
    public static readonly string[] Names = ["default", "glorot", "burda"];

    public static string Name(WeightInit init) => Names[(int)init];

    /// <summary>The init called <paramref name="name"/>; FormatException for any other text.</summary>
    public static WeightInit Parse(string name) => Array.IndexOf(Names, name) is int i and >= 0
        ? (WeightInit)i : throw new FormatException($"'{name}' is not an initialisation ({string.Join(", ", Names)})");
}
