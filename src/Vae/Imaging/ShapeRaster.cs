namespace Vae.Imaging;

/// <summary>The sprites of the shapes data set (dSprites-style, Matthey et al. 2017).</summary>
public enum Sprite { Square, Ellipse, Heart }

/// <summary>
/// An anti-aliased rasteriser for filled sprites: each pixel's value is the fraction of an S×S grid of sample
/// points inside the shape (box-filter supersampling), so a sub-pixel move of the shape changes the edge pixels.
/// Every shape is defined in a unit frame where it lies inside the unit disc, so a sprite of radius r centred
/// more than r pixels from every edge stays inside the canvas whatever its orientation.
/// </summary>
public static class ShapeRaster
{
    /// <summary>Sample points per pixel side (S² samples per pixel).</summary>
    public const int Supersampling = 4;

    /// <summary>
    /// Draws <paramref name="sprite"/> onto <paramref name="canvas"/> (width × height bytes, row-major, assumed
    /// black where the shape is not): centre (cx, cy) in pixels (pixel p covers [p, p+1)), radius r in pixels,
    /// rotated by <paramref name="angle"/> radians clockwise on screen (y points down). Coverage c → round(255·c).
    /// </summary>
    public static void Draw(Span<byte> canvas, int width, int height, Sprite sprite, double cx, double cy, double r,
        double angle)
    {
        if (canvas.Length != width * height)
            throw new ArgumentException($"{canvas.Length} bytes for a {width}×{height} canvas", nameof(canvas));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(r);
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        int x0 = Math.Max(0, (int)Math.Floor(cx - r)), x1 = Math.Min(width - 1, (int)Math.Floor(cx + r));
        int y0 = Math.Max(0, (int)Math.Floor(cy - r)), y1 = Math.Min(height - 1, (int)Math.Floor(cy + r));
        const int s = Supersampling;
        for (int py = y0; py <= y1; py++)
            for (int px = x0; px <= x1; px++)
            {
                int inside = 0;
                for (int sy = 0; sy < s; sy++)
                    for (int sx = 0; sx < s; sx++)
                    {
                        // screen offset from the centre, in radii, then rotated back into the shape's own frame
                        double dx = (px + (sx + 0.5) / s - cx) / r, dy = (py + (sy + 0.5) / s - cy) / r;
                        double u = cos * dx + sin * dy, v = -sin * dx + cos * dy;
                        if (Inside(sprite, u, v)) inside++;
                    }
                if (inside == 0) continue;
                int value = (255 * inside + s * s / 2) / (s * s);
                int i = py * width + px;
                canvas[i] = (byte)Math.Max(canvas[i], value);
            }
    }

    /// <summary>
    /// Is (u, v) inside the unit-frame shape (v points down)? Every shape lies within the unit disc:
    /// a square of half-side 0.7, an ellipse of semi-axes 1 and 0.5, and the heart curve
    /// (x² + y² − 1)³ − x²y³ ≤ 0 scaled by 0.75 and shifted so its extent (x ±1.14, y −1…1.24) is centred.
    /// </summary>
    public static bool Inside(Sprite sprite, double u, double v)
    {
        switch (sprite)
        {
            case Sprite.Square:
                return Math.Abs(u) <= 0.7 && Math.Abs(v) <= 0.7;
            case Sprite.Ellipse:
                return u * u + 4 * v * v <= 1;
            case Sprite.Heart:
            {
                double x = u / 0.75, y = -v / 0.75 + 0.12;   // y up in the curve's frame, lobes on top
                double a = x * x + y * y - 1;
                return a * a * a - x * x * y * y * y <= 0;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(sprite));
        }
    }
}
