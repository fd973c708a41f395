

namespace Vae.Imaging;

/// <summary>Small drawing helpers the lecture pictures share: pasting a grid into a page and placing labels.</summary>
internal static class Canvas
{
    public const byte Paper = 255, Ink = 0;

    /// <summary>Copies <paramref name="src"/> into <paramref name="dst"/> with its top-left corner at (x, y).</summary>
    public static void Paste(GrayImage dst, GrayImage src, int x, int y)
    {
        for (int row = 0; row < src.Height; row++)
            src.Pixels.AsSpan(row * src.Width, src.Width).CopyTo(dst.Pixels.AsSpan((y + row) * dst.Width + x, src.Width));
    }

    /// <summary>Text centred horizontally on <paramref name="centerX"/>, top at <paramref name="y"/>.</summary>
    public static void TextCentered(GrayImage image, string text, int centerX, int y, int scale, byte ink = Ink) =>
        PixelFont.Draw(image, text, centerX - PixelFont.Width(text, scale) / 2, y, ink, scale);

    public static string F(double v, string format) => v.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
}
