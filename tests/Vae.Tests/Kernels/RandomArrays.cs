namespace Vae.Tests.Kernels;

/// <summary>Reproducible test operands for the kernel tests.</summary>
internal static class RandomArrays
{
    /// <summary>n floats uniform in [−1, 1) from <paramref name="seed"/>.</summary>
    public static float[] Uniform(int n, ulong seed)
    {
        var rng = new Vae.Engine.Rng(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rng.NextUniform(-1, 1);
        return a;
    }
}
