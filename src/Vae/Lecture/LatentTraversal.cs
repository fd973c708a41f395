using Vae.Data;
using Vae.Engine;
using Vae.Imaging;
using Vae.Model;

using Vae.Analysis;

namespace Vae.Lecture;

/// <summary>
/// Latent perturbation (lecture, "VAEs: Latent perturbation"): slowly increase or decrease a single latent variable
/// and keep all other variables fixed. One row per chosen dimension j: z = z₀ with z_j swept evenly over
/// [−range, range], decoded to σ(decoder(z)). Rows are labelled with j and its score (average KL over the test
/// set, see <see cref="LatentCodes"/>), so the informative dimensions can be told from the inactive ones.
/// </summary>
public static class LatentTraversal
{
    /// <summary>The swept values −range … range in <paramref name="steps"/> even steps.</summary>
    public static float[] Values(float range, int steps)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), "a sweep needs at least 2 steps");
        var v = new float[steps];
        for (int k = 0; k < steps; k++) v[k] = -range + 2 * range * k / (steps - 1);
        return v;
    }

    /// <summary>
    /// Decoded images, one row per entry of <paramref name="dims"/> and one column per swept value:
    /// (dims.Count·steps) images of Input floats each, row after row.
    /// </summary>
    public static float[] Decode(VaeModel model, IReadOnlyList<int> dims, ReadOnlySpan<float> z0, float range, int steps)
    {
        int j = model.Latent;
        if (z0.Length != j) throw new ArgumentException($"z₀ has {z0.Length} values, the model has {j} latent dimensions");
        foreach (int d in dims)
            if ((uint)d >= (uint)j) throw new ArgumentOutOfRangeException(nameof(dims), $"dimension {d} is outside 0..{j - 1}");
        var values = Values(range, steps);
        var z = new Tensor(dims.Count * steps, j, name: "z");
        for (int r = 0; r < dims.Count; r++)
            for (int k = 0; k < steps; k++)
            {
                var row = z.Data.Slice((r * steps + k) * j, j);
                z0.CopyTo(row);
                row[dims[r]] = values[k];
            }
        var images = new float[z.Rows * model.Config.Input];
        model.DecodeImages(Tape.ForInference(), z, images);
        return images;
    }

    /// <summary>
    /// The picture: a title, the swept values over the columns, and one labelled row per dimension
    /// ("z3  KL 2.41", then the row's entry of <paramref name="notes"/> if given). Digits are drawn
    /// <paramref name="scale"/>× enlarged.
    /// </summary>
    public static GrayImage Picture(VaeModel model, IReadOnlyList<int> dims, LatentCodes codes, ReadOnlySpan<float> z0,
        float range, int steps, string title, int scale = 2, IReadOnlyList<string>? notes = null)
    {
        var images = Decode(model, dims, z0, range, steps);
        const int border = 2, text = 2, gap = 8;
        var grid = GrayImage.Grid(images, dims.Count * steps, dims.Count, steps, GrayImage.SideOf(model.Config.Input), border, scale, borderValue: Canvas.Paper);
        int nameWidth = dims.Max(d => $"z{d}".Length);
        var labels = dims.Select((d, r) =>
            $"{$"z{d}".PadRight(nameWidth)}  {codes.ScoreName} {Canvas.F(codes.Score[d], "0.00")}" +
            (notes == null ? "" : "  " + notes[r])).ToArray();
        int labelWidth = labels.Max(l => PixelFont.Width(l, text)) + gap;
        int lineHeight = PixelFont.Height(text) + gap;
        int cell = GrayImage.SideOf(model.Config.Input) * scale;
        var values = Values(range, steps);
        var valueText = values.Select(v => Canvas.F(v, "0.#")).ToArray();
        int valueScale = valueText.Max(v => PixelFont.Width(v, text)) <= cell ? text : 1;

        int top = 2 * lineHeight;
        int width = Math.Max(labelWidth + grid.Width, PixelFont.Width(title, text) + 2 * gap);
        var page = new GrayImage(width, top + grid.Height + gap / 2, Canvas.Paper);
        PixelFont.Draw(page, title, gap, gap / 2, Canvas.Ink, text);
        for (int k = 0; k < steps; k++)
            Canvas.TextCentered(page, valueText[k], labelWidth + border + k * (cell + border) + cell / 2,
                top - PixelFont.Height(valueScale) - 2, valueScale);
        for (int r = 0; r < dims.Count; r++)
            PixelFont.Draw(page, labels[r], gap / 2, top + border + r * (cell + border) + (cell - PixelFont.Height(text)) / 2,
                Canvas.Ink, text);
        Canvas.Paste(page, grid, labelWidth, top);
        return page;
    }
}
