using Vae.Data;
using Vae.Engine;
using Vae.Imaging;


using Vae.Model;

namespace Vae.Analysis;

/// <summary>The images a run shows: digits over their reconstructions, and decodes of the prior.</summary>
public static class Pictures
{
    /// <summary>
    /// Row 1: the given digits; row 2: their reconstructions σ(decoder(μ(x))) — the posterior mean, so the picture
    /// does not flicker with ε. Returns a 2×n grid.
    /// </summary>
    public static GrayImage Reconstructions(VaeModel model, ImageSet data, IReadOnlyList<int> indices, int scale = 2)
    {
        int n = indices.Count, d = model.Config.Input;
        var tape = Tape.ForInference();
        var x = new Tensor(n, d, name: "x");
        data.FillBatch(indices.ToArray(), x.Data);
        var cells = new float[2 * n * d];
        x.Data.CopyTo(cells);
        var (mu, _) = model.Encode(tape, x);
        var logits = model.Decode(tape, mu);
        Kernels.Elementwise.Map<Kernels.SigmoidOp>(logits.Data, cells.AsSpan(n * d, n * d));
        return GrayImage.Grid(cells, 2 * n, 2, n, GrayImage.SideOf(d), scale: scale);
    }

    /// <summary>Decodes of <paramref name="count"/> draws z ~ N(0, I) (seeded), tiled in a square-ish grid.</summary>
    public static GrayImage Samples(VaeModel model, int count, ulong seed, int scale = 2)
    {
        var rng = new Rng(seed, RngStreams.Sampling);
        var z = new Tensor(count, model.Latent, name: "z");
        rng.FillGaussian(z.Data);
        var images = new float[count * model.Config.Input];
        model.DecodeImages(Tape.ForInference(), z, images);
        int cols = (int)Math.Ceiling(Math.Sqrt(count));
        int rows = (count + cols - 1) / cols;
        return GrayImage.Grid(images, count, rows, cols, GrayImage.SideOf(model.Config.Input), scale: scale);
    }
}
