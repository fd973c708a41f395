using System.Globalization;

namespace Vae.IO;

/// <summary>
/// Checkpoint metadata is a map of strings (safetensors' <c>__metadata__</c>): numbers written in invariant
/// round-trip form and read back exactly, each bad or missing key a FormatException naming it.
/// </summary>
public static class Metadata
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Text(float v) => v.ToString("R", Inv);
    public static string Text(double v) => v.ToString("R", Inv);
    public static string Text(long v) => v.ToString(Inv);

    public static string Get(IReadOnlyDictionary<string, string> m, string key) =>
        m.TryGetValue(key, out var v) ? v : throw new FormatException($"metadata has no '{key}'");

    /// <summary>A finite float.</summary>
    public static float Float(IReadOnlyDictionary<string, string> m, string key) =>
        float.TryParse(Get(m, key), NumberStyles.Float, Inv, out float v) && float.IsFinite(v)
            ? v : throw new FormatException($"metadata '{key}' is not a number: '{m[key]}'");

    /// <summary>A finite double.</summary>
    public static double Double(IReadOnlyDictionary<string, string> m, string key) =>
        double.TryParse(Get(m, key), NumberStyles.Float, Inv, out double v) && double.IsFinite(v)
            ? v : throw new FormatException($"metadata '{key}' is not a number: '{m[key]}'");

    /// <summary>A count ≥ <paramref name="min"/>.</summary>
    public static long Long(IReadOnlyDictionary<string, string> m, string key, long min = 0) =>
        long.TryParse(Get(m, key), NumberStyles.Integer, Inv, out long v) && v >= min
            ? v : throw new FormatException($"metadata '{key}' is not a count >= {min}: '{m[key]}'");

    public static int Int(IReadOnlyDictionary<string, string> m, string key, int min = 0) =>
        checked((int)Long(m, key, min));
}
