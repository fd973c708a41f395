using Vae.Data;
using Vae.Engine;
using Vae.Imaging;
using Vae.Model;

using Vae.Analysis;

namespace Vae.Lecture;

/// <summary>
/// Generation by walking the latent space (lecture, "Generating new examples"; continuity of the regularized space):
/// decode z(t) = (1 − t)·μ(x_a) + t·μ(x_b) for t evenly spaced in [0, 1]. A second row blends the pixels,
/// (1 − t)·x_a + t·x_b, for contrast: the latent path passes through digit-like shapes, the pixel path only fades.
/// </summary>
public static class Interpolation
{
    /// <summary>Decodes of the straight line from μ(x_a) to μ(x_b), <paramref name="steps"/> images (ends included).</summary>
    public static float[] Latent(VaeModel model, ImageSet data, int a, int b, int steps)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), "a path needs at least 2 steps");
        var codes = LatentCodes.Encode(model, Pair(data, a, b));
        int j = model.Latent;
        var z = new Tensor(steps, j, name: "z");
        for (int k = 0; k < steps; k++)
        {
            float t = k / (float)(steps - 1);
            for (int d = 0; d < j; d++) z[k, d] = (1 - t) * codes.Mu[d] + t * codes.Mu[j + d];
        }
        var images = new float[steps * model.Config.Input];
        model.DecodeImages(Tape.ForInference(), z, images);
        return images;
    }

    /// <summary>
    /// Two labelled rows of steps + 2 cells: "latent" (x_a, the decoded path, x_b) and "pixels" (x_a, the pixel
    /// blend, x_b).
    /// </summary>
    public static GrayImage Picture(VaeModel model, ImageSet data, int a, int b, int steps, int scale = 2)
    {
        int d = model.Config.Input, cols = steps + 2;
        var ends = new float[2 * d];
        data.FillBatch([a, b], ends);
        var cells = new float[2 * cols * d];
        var latent = Latent(model, data, a, b, steps);
        for (int row = 0; row < 2; row++)
        {
            var r = cells.AsSpan(row * cols * d, cols * d);
            ends.AsSpan(0, d).CopyTo(r[..d]);
            ends.AsSpan(d, d).CopyTo(r[((cols - 1) * d)..]);
            for (int k = 0; k < steps; k++)
            {
                var dest = r.Slice((k + 1) * d, d);
                if (row == 0) latent.AsSpan(k * d, d).CopyTo(dest);
                else
                {
                    float t = k / (float)(steps - 1);
                    for (int i = 0; i < d; i++) dest[i] = (1 - t) * ends[i] + t * ends[d + i];
                }
            }
        }
        const int border = 2, text = 2, gap = 8;
        var grid = GrayImage.Grid(cells, 2 * cols, 2, cols, GrayImage.SideOf(d), border, scale, borderValue: Canvas.Paper);
        string[] labels = ["latent", "pixels"];
        int labelWidth = labels.Max(l => PixelFont.Width(l, text)) + gap;
        int lineHeight = PixelFont.Height(text) + gap;
        int cell = GrayImage.SideOf(d) * scale;
        string title = $"#{a} (a {data.Labels[a]}) to #{b} (a {data.Labels[b]}) between their μ";
        int top = 2 * lineHeight;
        var page = new GrayImage(Math.Max(labelWidth + grid.Width, PixelFont.Width(title, text) + 2 * gap), top + grid.Height + gap / 2, Canvas.Paper);
        PixelFont.Draw(page, title, gap, gap / 2, Canvas.Ink, text);
        int ColumnCenter(int c) => labelWidth + border + c * (cell + border) + cell / 2;
        int headerY = top - PixelFont.Height(1) - 3;
        Canvas.TextCentered(page, $"#{a}", ColumnCenter(0), headerY, 1);
        Canvas.TextCentered(page, $"#{b}", ColumnCenter(cols - 1), headerY, 1);
        for (int k = 0; k < steps; k++)
            Canvas.TextCentered(page, "t=" + Canvas.F(k / (double)(steps - 1), "0.##"), ColumnCenter(k + 1), headerY, 1);
        for (int r = 0; r < 2; r++)
            PixelFont.Draw(page, labels[r], gap / 2, top + border + r * (cell + border) + (cell - PixelFont.Height(text)) / 2, Canvas.Ink, text);
        Canvas.Paste(page, grid, labelWidth, top);
        return page;
    }

    private static ImageSet Pair(ImageSet data, int a, int b)
    {
        return Subsets.Select(data, [a, b]);
    }
}
