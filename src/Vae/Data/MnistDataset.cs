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
    public const int Side = 28;
    public const int Pixels = Side * Side;

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
        // Whatever sits under the file's name (a folder, a FIFO, a dangling link) is returned too, so the reader can
        // say what is wrong with it instead of a fetch replacing it.
        if (IO.FileEntry.Of(raw, followLinks: false).Kind != IO.FileKind.Missing) return raw;
        string gz = raw + ".gz";
        return IO.FileEntry.Of(gz, followLinks: false).Kind != IO.FileKind.Missing ? gz : null;
    }

    public static (ImageSet Train, ImageSet Test) Load(string dir)
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
    public static ImageSet LoadSet(string dir, string imagesName, string labelsName)
    {
        string images = Require(dir, imagesName);
        string labels = Require(dir, labelsName);
        var x = Idx.ReadImages(images, Side, Side);
        var y = Idx.ReadLabels(labels, Classes);
        if (x.Dims[0] != y.Dims[0])
            throw new InvalidInputFileException(labels, $"has {y.Dims[0]} labels but {Path.GetFileName(images)} has {x.Dims[0]} images");
        return new ImageSet(x.Data, y.Data);
    }

    private static string Require(string dir, string name) =>
        Find(dir, name) ?? throw new FileNotFoundException(
            $"{Path.Combine(dir, name)}: MNIST file not found (nor {name}.gz); run 'vae fetch-mnist' or set VAE_DATA", name);
}

/// <summary>MNIST (LeCun et al. 1998): 60,000 + 10,000 handwritten digits, 28×28 grey levels, labels 0–9.</summary>
public sealed class MnistDataset : IDataset
{
    private static readonly string[] Digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    public string Name => "mnist";
    public string Description => "MNIST handwritten digits, 28×28, 60,000 training and 10,000 test images";
    public int Width => Mnist.Side;
    public int Height => Mnist.Side;
    public int Channels => 1;
    public IReadOnlyList<string> LabelNames => Digits;
    public IReadOnlyList<string> FactorNames => [];
    public string DefaultDir => Mnist.DefaultDataDir();
    public bool IsPresent(string dir) => Mnist.FilesPresent(dir);
    public void Fetch(string dir, Action<string>? log) => MnistFetcher.Fetch(dir, log);
    public (ImageSet Train, ImageSet Test) Load(string dir) => Mnist.Load(dir);
}
