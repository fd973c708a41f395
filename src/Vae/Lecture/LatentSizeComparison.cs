using Vae.Data;
using Vae.Engine;
using Vae.Imaging;
using Vae.Model;
using Vae.Training;

using Vae.Analysis;

namespace Vae.Lecture;

/// <summary>
/// "Dimensionality of latent space → reconstruction quality" (lecture, Autoencoders: background): the same model
/// trained once per latent size J, each then reconstructing the same test digits. A smaller latent space is a
/// tighter bottleneck, so the reconstructions blur and digits get confused. The lecture's autoencoder is the default
/// (<see cref="ModelKind.Ae"/> with L(x, x̂) = ‖x − x̂‖²); a VAE can be compared the same way.
/// </summary>
public static class LatentSizeComparison
{
    /// <summary>The model of the lecture's comparison for latent size J: the autoencoder with ‖x − x̂‖², or the VAE with BCE.</summary>
    public static VaeConfig Config(ModelKind kind, int latent, int[] hidden) => new()
    {
        Kind = kind,
        Latent = latent,
        Hidden = hidden,
        Likelihood = kind == ModelKind.Ae ? Likelihood.Gaussian : Likelihood.Bernoulli,
    };

    /// <summary>Trains a fresh model for <paramref name="options"/>.Epochs epochs (seeded initialisation, shuffling and ε).</summary>
    public static VaeModel Train(VaeConfig config, ImageSet train, TrainOptions options, Action<BatchProgress>? progress = null,
        Action<EpochResult>? epochDone = null)
    {
        var model = new VaeModel(config);
        var trainer = new Trainer(model, options, train.Count);
        while (trainer.State.Epoch < options.Epochs) epochDone?.Invoke(trainer.RunEpoch(train, progress: progress));
        return model;
    }

    /// <summary>x̂ = σ(decoder(μ(x))) of the first <paramref name="count"/> images, count × Input floats.</summary>
    public static float[] Reconstruct(VaeModel model, ImageSet data, int count, int threads = 0)
    {
        count = Math.Min(count, data.Count);
        var codes = LatentCodes.Encode(model, data, count, threads: threads);
        var images = new float[count * model.Config.Input];
        var tape = Tape.ForInference(threads);
        model.DecodeImages(tape, Tensor.FromArray(codes.Mu, count, model.Latent, name: "mu"), images);
        return images;
    }

    /// <summary>Mean over images of ‖x − x̂‖² (summed over pixels, x̂ = σ(decoder(μ(x)))), the lecture's L(x, x̂).</summary>
    public static double ReconstructionError(VaeModel model, ImageSet data, int threads = 0)
    {
        const int batch = 1000;
        int d = model.Config.Input;
        double total = 0;
        var x = new float[batch * d];
        for (int start = 0; start < data.Count; start += batch)
        {
            int b = Math.Min(batch, data.Count - start);
            var slice = Slice(data, start, b);
            var xHat = Reconstruct(model, slice, b, threads);
            slice.FillBatch(Enumerable.Range(0, b).ToArray(), x.AsSpan(0, b * d));
            for (int i = 0; i < b * d; i++) { double e = x[i] - xHat[i]; total += e * e; }
        }
        return data.Count == 0 ? 0 : total / data.Count;
    }

    /// <summary>
    /// Side-by-side panels of the first <paramref name="count"/> digits (10 per row): each model's reconstructions,
    /// labelled "<c>J</c>D latent space", then the ground truth.
    /// </summary>
    public static GrayImage Picture(IReadOnlyList<VaeModel> models, ImageSet data, int count = 100, int cols = 10, int threads = 0)
    {
        count = Math.Min(count, data.Count);
        int rows = (count + cols - 1) / cols, d = data.Pixels, side = GrayImage.SideOf(d);
        var panels = new List<(string Label, GrayImage Grid)>();
        foreach (var model in models)
            panels.Add(($"{model.Latent}D latent space", GrayImage.Grid(Reconstruct(model, data, count, threads), count, rows, cols, side, border: 1)));
        var truth = new float[count * d];
        data.FillBatch(Enumerable.Range(0, count).ToArray(), truth);
        panels.Add(("Ground truth", GrayImage.Grid(truth, count, rows, cols, side, border: 1)));

        const int gap = 24, text = 2;
        int panelWidth = panels[0].Grid.Width, top = PixelFont.Height(text) + 16;
        var page = new GrayImage(panels.Count * panelWidth + (panels.Count + 1) * gap, top + panels[0].Grid.Height + gap / 2, Canvas.Paper);
        for (int i = 0; i < panels.Count; i++)
        {
            int x = gap + i * (panelWidth + gap);
            Canvas.TextCentered(page, panels[i].Label, x + panelWidth / 2, 6, text);
            Canvas.Paste(page, panels[i].Grid, x, top);
        }
        return page;
    }

    private static ImageSet Slice(ImageSet data, int start, int count) =>
        Subsets.Select(data, Enumerable.Range(start, count).ToArray());
}
