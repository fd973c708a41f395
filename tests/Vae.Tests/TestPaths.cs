using Vae.Data;

namespace Vae.Tests;

/// <summary>Where the tests find their data.</summary>
internal static class TestPaths
{
    /// <summary>The committed slice of real MNIST: 300 training and 200 test digits.</summary>
    public static string Slice => Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "mnist-slice");

    /// <summary>The repository's root (the folder holding Vae.sln), found upwards from the test binaries.</summary>
    public static string Repo
    {
        get
        {
            for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Vae.sln"))) return d.FullName;
            throw new DirectoryNotFoundException("no Vae.sln above the test binaries");
        }
    }

    /// <summary>The committed slice of real Fashion-MNIST: its first 300 training and 200 test items.</summary>
    public static string FashionSlice =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "fashion-mnist-slice");

    /// <summary>
    /// The full MNIST fetched by 'vae fetch-mnist' (VAE_DATA, else the repository's data/mnist), or null when it is not
    /// there. .ci/run fetches it before the tests, so in CI the full-data tests run.
    /// </summary>
    public static string? FullMnist()
    {
        string? dir = Environment.GetEnvironmentVariable("VAE_DATA");
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir == null && d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Vae.sln"))) dir = Path.Combine(d.FullName, "data", "mnist");
        return dir != null && Mnist.FilesPresent(dir) ? dir : null;
    }

    /// <summary>
    /// The full Fashion-MNIST fetched by 'vae fetch --dataset fashion-mnist' into the repository's data/fashion-mnist,
    /// or null when it is not there (.ci/run fetches it).
    /// </summary>
    public static string? FullFashionMnist()
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Vae.sln")))
            {
                string dir = Path.Combine(d.FullName, "data", "fashion-mnist");
                return Mnist.FilesPresent(dir) ? dir : null;
            }
        return null;
    }
}
