namespace Vae.Data;

/// <summary>The datasets <c>--dataset</c> can name. Adding one is one class and one line here.</summary>
public static class Datasets
{
    public const string Default = "mnist";

    private static readonly IDataset[] All = [new MnistDataset(), new ShapesDataset(), new FashionMnistDataset()];

    public static IReadOnlyList<string> Names => All.Select(d => d.Name).ToArray();

    /// <summary>The dataset called <paramref name="name"/>; ArgumentException listing the names otherwise.</summary>
    public static IDataset Get(string name) =>
        All.FirstOrDefault(d => d.Name == name)
        ?? throw new ArgumentException($"unknown dataset '{name}' (known: {string.Join(", ", Names)})");

    /// <summary>The folder <c>data/NAME</c> under the current folder.</summary>
    public static string DefaultDir(string name) => Path.Combine(Directory.GetCurrentDirectory(), "data", name);
}
