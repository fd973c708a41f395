namespace Vae.Data;

/// <summary>Finds and loads the four MNIST files (each raw or with a <c>.gz</c> suffix) from one folder.</summary>
public static class Mnist
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    public static readonly IReadOnlyList<string> FileNames = [TrainImages, TrainLabels, TestImages, TestLabels];

    public const int Classes = 10;

    /// <summary>The environment variable VAE_DATA if set, else <c>data/mnist</c> under the current folder.</summary>
    public static string DefaultDataDir()
    {
        string? env = Environment.GetEnvironmentVariable("VAE_DATA");
        return string.IsNullOrWhiteSpace(env) ? Path.Combine(Directory.GetCurrentDirectory(), "data", "mnist") : env;
    }

    /// <summary>True when all four files are in <paramref name="dir"/>, raw or gzipped (their content is not checked).</summary>
    public static bool FilesPresent(string dir) => FileNames.All(name => Find(dir, name) != null);

    /// <summary>The path of <paramref name="name"/> in <paramref name="dir"/>, raw preferred over <c>.gz</c>; null if neither.</summary>
    public static string? Find(string dir, string name)
    {
        string raw = Path.Combine(dir, name);
        // A folder under the file's name is returned too, so the reader can say what is wrong with it.
        if (File.Exists(raw) || Directory.Exists(raw)) return raw;
        string gz = raw + ".gz";
        return File.Exists(gz) ? gz : null;
    }

    public static (MnistSet Train, MnistSet Test) Load(string dir)
    {
        if (File.Exists(dir))
            throw new InvalidInputFileException(dir, "is a file; expected the folder holding the MNIST files");
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"{dir}: MNIST folder not found (run 'vae fetch-mnist' or set VAE_DATA)");
        var train = LoadSet(dir, TrainImages, TrainLabels);
        var test = LoadSet(dir, TestImages, TestLabels);
        return (train, test);
    }

    /// <summary>Loads one image file and its label file and checks they describe the same number of digits.</summary>
    public static MnistSet LoadSet(string dir, string imagesName, string labelsName)
    {
        string images = Require(dir, imagesName);
        string labels = Require(dir, labelsName);
        var x = Idx.ReadImages(images, MnistSet.Side, MnistSet.Side);
        var y = Idx.ReadLabels(labels, Classes);
        if (x.Dims[0] != y.Dims[0])
            throw new InvalidInputFileException(labels, $"has {y.Dims[0]} labels but {Path.GetFileName(images)} has {x.Dims[0]} images");
        return new MnistSet(x.Data, y.Data);
    }

    private static string Require(string dir, string name) =>
        Find(dir, name) ?? throw new FileNotFoundException(
            $"{Path.Combine(dir, name)}: MNIST file not found (nor {name}.gz); run 'vae fetch-mnist' or set VAE_DATA", name);
}
