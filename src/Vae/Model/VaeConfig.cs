using System.Globalization;

namespace Vae.Model;

public enum Activation { Relu, Tanh }

/// <summary>p(x|z): Bernoulli (BCE with logits) or Gaussian with unit variance on the sigmoid of the decoder output.</summary>
public enum Likelihood { Bernoulli, Gaussian }

/// <summary>vae: the probabilistic model (sampling + KL). ae: the lecture's deterministic autoencoder.</summary>
public enum ModelKind { Vae, Ae }

/// <summary>An extra output of the encoder's last hidden layer (e.g. "classifier" with 1 logit for a DB-VAE).</summary>
public sealed record HeadSpec(string Name, int Outputs)
{
    public override string ToString() => $"{Name}:{Outputs}";
}

/// <summary>
/// The architecture of a model: an MLP encoder In → Hidden… → (μ, logvar) of size Latent and the mirror-image
/// decoder Latent → …Hidden → In. The default is the pytorch/examples VAE: 784 → 400 → 20 → 400 → 784.
/// </summary>
public sealed record VaeConfig
{
    public int Input { get; init; } = 784;
    public int[] Hidden { get; init; } = [400];
    public int Latent { get; init; } = 20;
    public Activation Activation { get; init; } = Activation.Relu;
    public Likelihood Likelihood { get; init; } = Likelihood.Bernoulli;
    public ModelKind Kind { get; init; } = ModelKind.Vae;
    /// <summary>Extra encoder outputs beside μ and logvar (none by default).</summary>
    public HeadSpec[] Heads { get; init; } = [];

    public void Validate()
    {
        if (Input < 1) throw new ArgumentException("input size must be >= 1");
        if (Latent < 1) throw new ArgumentException("latent size must be >= 1");
        if (Hidden.Length == 0 || Hidden.Any(h => h < 1)) throw new ArgumentException("every hidden size must be >= 1");
        foreach (var head in Heads)
            if (head.Outputs < 1 || head.Name.Length == 0 || !head.Name.All(char.IsAsciiLetterOrDigit))
                throw new ArgumentException($"head '{head}' needs a name of letters and digits and >= 1 output");
        if (Heads.Select(h => h.Name).Distinct().Count() != Heads.Length) throw new ArgumentException("head names must differ");
    }

    /// <summary>
    /// The number of weights and biases, computed without building the model (to check a file against it before
    /// allocating). Throws OverflowException for sizes no file could hold.
    /// </summary>
    public long ParameterCount()
    {
        static long Layer(long inputs, long outputs) => checked(inputs * outputs + outputs);
        long n = 0, previous = Input;
        foreach (int h in Hidden) { n = checked(n + Layer(previous, h)); previous = h; }
        n = checked(n + Layer(previous, Latent) * (Kind == ModelKind.Vae ? 2 : 1));   // μ (and logvar)
        previous = Latent;
        for (int i = Hidden.Length - 1; i >= 0; i--) { n = checked(n + Layer(previous, Hidden[i])); previous = Hidden[i]; }
        n = checked(n + Layer(previous, Input));
        foreach (var head in Heads) n = checked(n + Layer(Hidden[^1], head.Outputs));
        return n;
    }

    /// <summary>
    /// A lower bound on what training this model on batches of <paramref name="batch"/> images holds in memory, and
    /// its largest single tensor, computed in doubles so that no size overflows: 4 floats per parameter (weight,
    /// gradient, Adam's two moments) plus each layer's output before and after its activation and their gradients,
    /// the decoder's on <paramref name="samples"/> rows per image (the K samples of z of the IWAE objectives). Used
    /// to refuse a model up front instead of failing deep inside an allocation.
    /// </summary>
    public ModelFootprint Footprint(int batch, int samples = 1)
    {
        int[] widths = [Input, .. Hidden, Latent, .. Hidden.Reverse(), Input];   // every layer's input and output size
        double parameters = 0, largest = 0, activations = 0;
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            double layer = (double)widths[i] * widths[i + 1] + widths[i + 1];
            parameters += Kind == ModelKind.Vae && i == Hidden.Length ? 2 * layer : layer;   // μ and logvar
            double rows = i > Hidden.Length ? (double)batch * samples : batch;   // the decoder runs on B·K rows
            largest = Math.Max(largest, (double)widths[i] * widths[i + 1]);
            largest = Math.Max(largest, rows * widths[i + 1]);
            activations += 2.0 * rows * widths[i + 1];
        }
        // logvar; ε and z on B·K rows; the input batch (repeated to B·K rows when K > 1)
        activations += (double)batch * Latent + 2.0 * batch * samples * Latent + (double)batch * samples * widths[0];
        largest = Math.Max(largest, (double)batch * samples * widths[0]);
        return new ModelFootprint(parameters, largest, 4 * (4 * parameters + 2 * activations));
    }

    public static string Name(Activation a) => a == Activation.Relu ? "relu" : "tanh";
    public static string Name(Likelihood l) => l == Likelihood.Bernoulli ? "bernoulli" : "gaussian";
    public static string Name(ModelKind k) => k == ModelKind.Vae ? "vae" : "ae";

    /// <summary>The configuration as strings, for a checkpoint's __metadata__.</summary>
    public Dictionary<string, string> ToMetadata() => new()
    {
        ["format"] = "vae-checkpoint-1",
        ["model"] = Name(Kind),
        ["input"] = Input.ToString(CultureInfo.InvariantCulture),
        ["hidden"] = string.Join(',', Hidden.Select(h => h.ToString(CultureInfo.InvariantCulture))),
        ["latent"] = Latent.ToString(CultureInfo.InvariantCulture),
        ["activation"] = Name(Activation),
        ["likelihood"] = Name(Likelihood),
        ["heads"] = string.Join(',', Heads.Select(h => h.ToString())),
    };

    /// <summary>Reads a configuration written by <see cref="ToMetadata"/>; throws FormatException naming the bad key.</summary>
    public static VaeConfig FromMetadata(IReadOnlyDictionary<string, string> m)
    {
        string Get(string key) => m.TryGetValue(key, out var v) ? v : throw new FormatException($"metadata has no '{key}'");
        int Int(string key, string text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 1
            ? v : throw new FormatException($"metadata '{key}' is not a positive whole number: '{text}'");
        var config = new VaeConfig
        {
            Kind = Get("model") switch { "vae" => ModelKind.Vae, "ae" => ModelKind.Ae, var s => throw new FormatException($"unknown model '{s}'") },
            Input = Int("input", Get("input")),
            Hidden = Get("hidden").Split(',').Select(h => Int("hidden", h)).ToArray(),
            Latent = Int("latent", Get("latent")),
            Activation = Get("activation") switch { "relu" => Activation.Relu, "tanh" => Activation.Tanh, var s => throw new FormatException($"unknown activation '{s}'") },
            Heads = m.TryGetValue("heads", out var heads) && heads.Length > 0
                ? heads.Split(',').Select(h => h.Split(':')).Select(p => p.Length == 2
                    ? new HeadSpec(p[0], Int("heads", p[1])) : throw new FormatException($"bad head '{string.Join(':', p)}'")).ToArray()
                : [],
            Likelihood = Get("likelihood") switch { "bernoulli" => Likelihood.Bernoulli, "gaussian" => Likelihood.Gaussian, var s => throw new FormatException($"unknown likelihood '{s}'") },
        };
        config.Validate();
        return config;
    }

    public override string ToString() =>
        $"{Name(Kind)} {Input}-{string.Join('-', Hidden)}-{Latent} {Name(Activation)} {Name(Likelihood)}" +
        (Heads.Length > 0 ? $" heads {string.Join(',', Heads.Select(h => h.ToString()))}" : "");
}

/// <summary>
/// See <see cref="VaeConfig.Footprint"/>: parameters, values of the largest tensor, bytes (a lower bound).
/// </summary>
public readonly record struct ModelFootprint(double Parameters, double LargestTensor, double Bytes);

