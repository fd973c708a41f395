using System.Globalization;
using Vae.IO;
using Vae.Nn;
using Vae.Model;

namespace Vae.Training;

/// <summary>A model read back from a checkpoint, with what else the file held.</summary>
public sealed record LoadedCheckpoint(VaeModel Model, IReadOnlyDictionary<string, string> Metadata, Adam? Optimizer,
    TrainingState? State);

/// <summary>
/// Checkpoints in the safetensors format. Weights carry pytorch/examples' names and shapes (fc1.weight [400,784],
/// fc1.bias [400], …), so <c>model.load_state_dict(safetensors.torch.load_file(path))</c> works on the default VAE.
/// The configuration is in <c>__metadata__</c>. A resumable checkpoint adds Adam's moments as
/// <c>optimizer.m.NAME</c> / <c>optimizer.v.NAME</c> and the training position as <c>state.*</c> metadata.
/// </summary>
public static class Checkpoint
{
    private const string MomentPrefix = "optimizer.m.", VariancePrefix = "optimizer.v.";
    /// <summary>The tensor of <see cref="TrainingState.DebiasProbabilities"/> in a resumable checkpoint.</summary>
    public const string DebiasProbabilities = "state.debias_probabilities";

    /// <summary>Writes the model (and, for resuming, the optimizer and state) atomically to <paramref name="path"/>.</summary>
    public static void Save(string path, VaeModel model, IReadOnlyDictionary<string, string>? extraMetadata = null,
        Adam? optimizer = null, TrainingState? state = null)
    {
        var tensors = new List<(string, int[], ReadOnlyMemory<float>)>();
        var metadata = model.Config.ToMetadata();
        foreach (var (name, shape, t) in model.NamedParameters()) tensors.Add((name, shape, t.Memory));
        if (optimizer != null)
        {
            int offset = 0;
            foreach (var (name, shape, t) in model.NamedParameters())
            {
                tensors.Add((MomentPrefix + name, shape, optimizer.M.AsMemory(offset, t.Length)));
                tensors.Add((VariancePrefix + name, shape, optimizer.V.AsMemory(offset, t.Length)));
                offset += t.Length;
            }
            metadata["optimizer"] = "adam";
            metadata["optimizer.step"] = optimizer.Step.ToString(CultureInfo.InvariantCulture);
            metadata["optimizer.lr"] = optimizer.LearningRate.ToString("R", CultureInfo.InvariantCulture);
            metadata["optimizer.epsilon"] = optimizer.Epsilon.ToString("R", CultureInfo.InvariantCulture);
        }
        if (state != null)
            foreach (var (k, v) in state.ToMetadata()) metadata[k] = v;
        if (state?.DebiasProbabilities is { } p) tensors.Add((DebiasProbabilities, [p.Length], p));
        if (extraMetadata != null)
            foreach (var (k, v) in extraMetadata) metadata.TryAdd(k, v);
        SafeTensors.Write(path, tensors, metadata);
    }

    /// <summary>
    /// Reads a checkpoint: the configuration from its metadata, then every weight, checked by name and shape.
    /// Anything missing, misshapen or unexpected is an <see cref="InvalidInputFileException"/> naming it.
    /// </summary>
    public static LoadedCheckpoint Load(string path)
    {
        var file = SafeTensors.Read(path);
        VaeConfig config;
        try { config = VaeConfig.FromMetadata(file.Metadata); }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new InvalidInputFileException(path, $"is not a Vae checkpoint: {e.Message}");
        }
        // The metadata alone sets the model's size: check it against the values the file holds before allocating, so
        // a crafted header cannot make us allocate much more than the file could fill. (Up to twice that passes, so
        // that a merely incomplete file reaches the checks below, which name the missing or misshapen tensor.)
        long available = file.Tensors.Sum(t => (long)t.Data.Length);
        long needed;
        try { needed = config.ParameterCount(); }
        catch (OverflowException) { needed = long.MaxValue; }
        if (needed > 2 * available + 1024)
            throw new InvalidInputFileException(path,
                $"metadata describes a {config} model of {needed} parameters, but the file holds only {available} values");
        var model = new VaeModel(config);
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, shape, t) in model.NamedParameters())
        {
            Copy(path, file, name, shape, t.Data, config);
            expected.Add(name);
        }

        Adam? adam = null;
        TrainingState? state = null;
        if (file.Metadata.TryGetValue("optimizer", out var kind))
        {
            if (kind != "adam") throw new InvalidInputFileException(path, $"unknown optimizer '{kind}'");
            float lr = ParseFloat(path, file.Metadata, "optimizer.lr");
            // ε is written since the IWAE runs (which use 1e-4); older checkpoints had PyTorch's 1e-8.
            float epsilon = file.Metadata.ContainsKey("optimizer.epsilon")
                ? ParseFloat(path, file.Metadata, "optimizer.epsilon") : 1e-8f;
            adam = new Adam(model.Parameters.Count, lr, epsilon: epsilon);
            int offset = 0;
            foreach (var (name, shape, t) in model.NamedParameters())
            {
                Copy(path, file, MomentPrefix + name, shape, adam.M.AsSpan(offset, t.Length), config);
                Copy(path, file, VariancePrefix + name, shape, adam.V.AsSpan(offset, t.Length), config);
                expected.Add(MomentPrefix + name);
                expected.Add(VariancePrefix + name);
                offset += t.Length;
            }
            if (!long.TryParse(file.Metadata.GetValueOrDefault("optimizer.step"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long step) || step < 0)
                throw new InvalidInputFileException(path, "metadata 'optimizer.step' is missing or not a count");
            adam.Restore(step);
            if (file.Metadata.ContainsKey("state.epoch"))
            {
                try { state = TrainingState.FromMetadata(file.Metadata); }
                catch (Exception e) when (e is FormatException or OverflowException)
                {
                    throw new InvalidInputFileException(path, $"bad training state: {e.Message}");
                }
                if (file.TryGet(DebiasProbabilities, out var p))
                {
                    if (p.Shape.Length != 1) throw new InvalidInputFileException(path, $"tensor '{DebiasProbabilities}' is not a vector");
                    if (Array.FindIndex(p.Data, v => !float.IsFinite(v) || v < 0) is int bad and >= 0)
                        throw new InvalidInputFileException(path,
                            $"tensor '{DebiasProbabilities}' holds {p.Data[bad]} at index {bad}");
                    state.DebiasProbabilities = p.Data;
                    expected.Add(DebiasProbabilities);
                }
            }
        }
        foreach (var t in file.Tensors)
            if (!expected.Contains(t.Name))
                throw new InvalidInputFileException(path, $"has a tensor '{t.Name}' that a {config} model does not have");
        return new LoadedCheckpoint(model, file.Metadata, adam, state);
    }

    private static void Copy(string path, SafeTensorsFile file, string name, int[] shape, Span<float> dest, VaeConfig config)
    {
        if (!file.TryGet(name, out var t))
            throw new InvalidInputFileException(path, $"has no tensor '{name}' (needed by a {config} model)");
        if (!t.Shape.SequenceEqual(shape))
            throw new InvalidInputFileException(path,
                $"tensor '{name}' has shape [{string.Join(',', t.Shape)}], the model needs [{string.Join(',', shape)}]");
        // NaN or ±∞ would flow silently into every loss and picture (eval printing "NaN", sample a black PNG).
        int bad = Array.FindIndex(t.Data, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new InvalidInputFileException(path,
                $"tensor '{name}' holds {t.Data[bad]} at index {bad}; weights must be finite");
        t.Data.AsSpan().CopyTo(dest);
    }

    private static float ParseFloat(string path, IReadOnlyDictionary<string, string> m, string key) =>
        m.TryGetValue(key, out var s) && float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && v > 0 && float.IsFinite(v)
            ? v : throw new InvalidInputFileException(path, $"metadata '{key}' is missing or not a positive number");
}
