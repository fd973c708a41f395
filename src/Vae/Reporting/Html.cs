using System.Globalization;
using System.Text;

namespace Vae.Reporting;

/// <summary>Text for HTML and SVG: escaping (also valid XML, so pages parse as XHTML) and invariant numbers.</summary>
public static class Html
{
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ when char.IsControl(c) && c != '\n' && c != '\t' => "",   // not allowed in XML 1.0
                _ => c.ToString(),
            });
        return sb.ToString();
    }

    /// <summary>A coordinate with two decimals, invariant culture.</summary>
    public static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A value for a label: 4 significant digits, invariant culture.</summary>
    public static string G(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>An embedded PNG for an img src attribute (no network needed to show it).</summary>
    public static string PngDataUri(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);
}
