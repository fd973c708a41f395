using System.Globalization;
using Vae.Data;
using Vae.IO;
using Vae.Model;
using Vae.Objectives;
using Vae.Training;

namespace Vae.Cli;

/// <summary>Options several commands share, declared and read in one place so their help and checks agree.</summary>
public static class CommonOptions
{
    /// <summary>--dataset and --data: which dataset, and the folder that holds (or will hold) its files.</summary>
    public static ArgParser Data(this ArgParser p) => p
        .Option("dataset", null, $"dataset: {string.Join(", ", Datasets.Names)} (default {Datasets.Default}, or the checkpoint's)", "NAME")
        .Option("data", null, "folder of the dataset's files, fetched there when missing (default data/NAME; env VAE_DATA for mnist)", "DIR");

    /// <summary>The dataset named by --dataset (default mnist).</summary>
    public static IDataset GetDataset(this ArgParser p, string? fallback = null)
    {
        string name = p.GetString("dataset") ?? fallback ?? Datasets.Default;
        try { return Datasets.Get(name); }
        catch (ArgumentException e) { throw new UsageException($"--dataset: {e.Message}"); }
    }

    /// <summary>The --data folder, or the dataset's default one.</summary>
    public static string GetDataDir(this ArgParser p, IDataset dataset) =>
        p.Has("data") ? p.GetRequiredString("data") : dataset.DefaultDir;

    /// <summary>
    /// Loads the dataset the command works on: --dataset, else the one <paramref name="checkpoint"/> was trained on,
    /// else MNIST; fetched into its folder first when missing. The model (if any) must take its images.
    /// </summary>
    public static (ImageSet Train, ImageSet Test) LoadData(this ArgParser p, LoadedCheckpoint? checkpoint = null)
    {
        var dataset = p.GetDataset(checkpoint?.Metadata.GetValueOrDefault("data.name"));
        if (checkpoint != null) CheckImageSize(dataset, checkpoint.Model);
        return LoadDataset(dataset, p.GetDataDir(dataset));
    }

    /// <summary>Loads <paramref name="dataset"/> from <paramref name="dir"/>, fetching it first when files are missing.</summary>
    public static (ImageSet Train, ImageSet Test) LoadDataset(IDataset dataset, string dir)
    {
        EnsureDataFolder(dir);
        if (!dataset.IsPresent(dir))
        {
            // A path one level inside a folder that already holds the data is a slip (e.g. a file's name typed after
            // the folder's), not a request to download the dataset a second time into a new folder there.
            string? parent = Path.GetDirectoryName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar));
            if (!Directory.Exists(dir) && parent != null && Directory.Exists(parent) && dataset.IsPresent(parent))
                throw new UsageException($"--data '{dir}' does not exist, and its parent folder '{parent}' holds " +
                    $"{dataset.Name}: give that folder (--data takes the folder of the dataset's files)");
            Console.Out.WriteLine($"{dataset.Name} not found in {dir}: fetching it");
            dataset.Fetch(dir, Console.Out.WriteLine);
        }
        return dataset.Load(dir);
    }

    /// <summary>--data must name a folder, or nothing yet (it is created): not a file, device, FIFO or dangling link.</summary>
    public static void EnsureDataFolder(string dir)
    {
        var entry = FileEntry.Of(dir, followLinks: false);
        var target = FileEntry.Of(dir, followLinks: true);
        if (target.Kind == FileKind.Directory || entry.Kind == FileKind.Missing) return;
        string what = entry.Kind == FileKind.SymbolicLink
            ? InputFile.DescribeNonRegular(dir, entry, target)
            : "is " + FileEntry.Describe(target.Kind);
        throw new UsageException($"--data '{dir}' {what}; it must be a folder (it is created if missing)");
    }

    /// <summary>A model must take the dataset's images: one line naming both sizes otherwise.</summary>
    public static void CheckImageSize(IDataset dataset, VaeModel model)
    {
        int pixels = dataset.Width * dataset.Height * dataset.Channels;
        if (model.Config.Input != pixels)
            throw new UsageException($"the model takes {model.Config.Input} inputs; {dataset.Name} images have {pixels} pixels");
    }

    /// <summary>--epochs, --batch-size, --lr, --seed: declared once for every command that trains.</summary>
    public static ArgParser TrainingOptions(this ArgParser p, string epochsDefault = "10",
        string epochsHelp = "training epochs") => p
        .Option("epochs", epochsDefault, epochsHelp, "N")
        .Option("batch-size", "128", "images per step", "B")
        .Option("lr", "1e-3", "Adam learning rate (0 < LR <= 10)", "LR")
        .Option("seed", "1", "seed for initialisation, shuffling and ε", "S");

    public static TrainOptions GetTrainOptions(this ArgParser p, int epochs, int threads) => new()
    {
        Epochs = epochs,
        BatchSize = p.GetInt("batch-size", 1, 1_000_000),
        LearningRate = (float)p.GetDouble("lr", 0, 10, minExclusive: true),
        Seed = (ulong)p.GetInt("seed", 0),
        Threads = threads,
    };

    /// <summary>The options of the objective (Objectives/): elbo or iwae with K samples; β, warm-up,
    /// capacity.</summary>
    public static ArgParser ObjectiveOptions(this ArgParser p) => p
        .Option("objective", "elbo", "elbo, or iwae: the K-sample importance-weighted bound (Burda et al. 2016)",
            "elbo|iwae")
        .Option("k", "1", "samples of z per image, each image encoded once; elbo with K > 1 averages K ELBOs", "K")
        .Option("beta", "1", "weight β of the KL term (β > 1: β-VAE)", "B")
        .Option("kl-warmup", "0", "ramp β linearly from 0 over this many epochs (fractions allowed; 0 = off)", "E")
        .Option("capacity", null, "capacity objective (Burgess et al. 2018): loss = recon + γ·|KL − C_t|, C_t rising to C nats (replaces β)", "C")
        .Option("capacity-iters", "10000", "steps over which C_t rises linearly from 0 to --capacity", "N")
        .Option("gamma", "100", "γ of the capacity objective", "G");

    public static IObjective GetObjective(this ArgParser p)
    {
        bool iwae = p.GetChoice("objective", "elbo", "iwae") == "iwae";
        int k = p.GetInt("k", 1, 100_000);
        if (iwae || k > 1)
        {
            string[] kl = ["beta", "kl-warmup", "capacity", "capacity-iters", "gamma"];
            if (kl.FirstOrDefault(p.Has) is { } given)
                throw new UsageException(
                    $"--{given} does not apply to the K-sample bounds (--objective iwae or --k > 1)");
            return new IwaeObjective { Samples = k, Averaged = !iwae };
        }
        bool capacity = p.Has("capacity");
        if (capacity && (p.Has("beta") || p.Has("kl-warmup")))
            throw new UsageException("--capacity replaces β: drop --beta and --kl-warmup (or drop --capacity)");
        if (!capacity && (p.Has("capacity-iters") || p.Has("gamma")))
            throw new UsageException("--capacity-iters and --gamma belong to --capacity C");
        return new ElboObjective
        {
            Beta = (float)p.GetDouble("beta", 0, 1e6),
            WarmupEpochs = p.GetDouble("kl-warmup", 0, 1e6),
            Capacity = capacity ? (float)p.GetDouble("capacity", 0, 1e6) : null,
            CapacityIters = p.GetInt("capacity-iters", 0),
            Gamma = (float)p.GetDouble("gamma", 0, 1e9),
        };
    }

    public static ArgParser Threads(this ArgParser p) =>
        p.Option("threads", Environment.ProcessorCount.ToString(), "threads for matrix products and Adam; the default is every core", "N");

    public static int GetThreads(this ArgParser p) => p.GetInt("threads", 1, 1024);

    public static ArgParser Checkpoint(this ArgParser p, bool required = true) =>
        p.Option("checkpoint", required ? null : "", "model checkpoint (.safetensors) written by 'vae train'", "FILE");

    public static ArgParser ModelOptions(this ArgParser p) => p
        .Option("model", "vae", "vae (sampling + KL) or ae (the deterministic autoencoder)", "vae|ae")
        .Option("hidden", "400", "hidden layer sizes, e.g. 512,256 for a deeper MLP", "LIST")
        .Option("latent", "20", "latent dimensions", "J")
        .Option("activation", "relu", "hidden activation", "relu|tanh")
        .Option("likelihood", "bernoulli", "p(x|z): bernoulli (BCE with logits) or gaussian (unit variance; ‖x−x̂‖² for ae)", "bernoulli|gaussian");

    public static VaeConfig GetModelConfig(this ArgParser p) => new()
    {
        Kind = p.GetChoice("model", "vae", "ae") == "vae" ? ModelKind.Vae : ModelKind.Ae,
        Hidden = p.GetIntList("hidden", 1, 100_000),
        Latent = p.GetInt("latent", 1, 100_000),
        Activation = p.GetChoice("activation", "relu", "tanh") == "relu" ? Activation.Relu : Activation.Tanh,
        Likelihood = p.GetChoice("likelihood", "bernoulli", "gaussian") == "bernoulli" ? Likelihood.Bernoulli : Likelihood.Gaussian,
    };

    /// <summary>
    /// The objective must apply to the model (e.g. not a K-sample bound on an autoencoder) and the model, with the
    /// objective's samples per image, must fit: one line and exit 2 otherwise.
    /// </summary>
    public static void EnsureTrainable(VaeConfig config, IObjective objective, int batch, int evalBatch = 0)
    {
        try { objective.Validate(config); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }   // e.g. --objective iwae --model ae
        EnsureModelFits(config, batch, objective.SamplesPerImage, evalBatch);
    }

    /// <summary>
    /// Refuses, before anything is allocated, a model whose largest tensor cannot be one array or whose training needs
    /// more memory than the process may use (what the machine or its container grants, as the GC sees it).
    /// <paramref name="evalBatch"/>: the images of one evaluation batch, when the run evaluates in larger batches
    /// than it trains (the message names both, so that it speaks of the batch the user gave).
    /// </summary>
    public static void EnsureModelFits(VaeConfig config, int batch, int samples = 1, int evalBatch = 0)
    {
        var f = config.Footprint(Math.Max(batch, evalBatch), samples);
        var inv = CultureInfo.InvariantCulture;
        string what = string.Create(inv, $"a {config} model ({f.Parameters:N0} parameters) at batch {batch}") +
            (evalBatch > batch ? string.Create(inv, $" (evaluated {evalBatch:N0} images at a time)") : "") +
            (samples > 1 ? string.Create(inv, $" with K = {samples} samples per image") : "");
        if (f.LargestTensor > Array.MaxLength)
            throw new UsageException(string.Create(inv,
                $"{what} needs a tensor of {f.LargestTensor:N0} values, " +
                $"more than the {Array.MaxLength:N0} one array can hold"));
        long limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (f.Bytes > limit)
            throw new UsageException(string.Create(inv,
                $"{what} needs at least {Gigabytes(f.Bytes)} of memory to train; " +
                $"this process may use {Gigabytes(limit)}"));
    }

    private static string Gigabytes(double bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 30):F1} GiB");

    /// <summary>Loads a checkpoint named by --checkpoint (one clear line if it is missing or bad).</summary>
    public static LoadedCheckpoint LoadCheckpoint(this ArgParser p)
    {
        string path = p.GetRequiredString("checkpoint");
        if (path.Length == 0) throw new UsageException("option '--checkpoint' is required");
        if (FileEntry.Of(path, followLinks: false).Kind == FileKind.Missing)
            throw new UsageException($"checkpoint '{path}' does not exist");
        return LoadModelCheckpoint(path);
    }

    /// <summary>Reads a checkpoint and checks that its model takes the images of the dataset it was trained on.</summary>
    public static LoadedCheckpoint LoadModelCheckpoint(string path)
    {
        var loaded = Vae.Training.Checkpoint.Load(path);
        IDataset dataset;
        try { dataset = Datasets.Get(loaded.Metadata.GetValueOrDefault("data.name") ?? Datasets.Default); }
        catch (ArgumentException e) { throw new InvalidInputFileException(path, e.Message); }
        int pixels = dataset.Width * dataset.Height * dataset.Channels;
        if (loaded.Model.Config.Input != pixels)
            throw new InvalidInputFileException(path,
                $"holds a model of {loaded.Model.Config.Input} inputs; {dataset.Name} images have {pixels} pixels");
        return loaded;
    }

    /// <summary>
    /// Makes sure an output folder exists and can be written, before any work starts, and removes the temporary files a
    /// killed vae left in it (see <see cref="AtomicFile.RemoveStale"/>).
    /// </summary>
    public static void EnsureWritableFolder(string folder)
    {
        var entry = FileEntry.Of(folder, followLinks: false);
        var target = FileEntry.Of(folder, followLinks: true);
        bool dangling = entry.Kind == FileKind.SymbolicLink && target.Kind == FileKind.Missing;
        if (target.Kind is not (FileKind.Directory or FileKind.Missing) || dangling)
            throw new UsageException(entry.Kind == FileKind.SymbolicLink
                ? $"output folder '{folder}' {InputFile.DescribeNonRegular(folder, entry, target)}"
                : $"output folder '{folder}' is {FileEntry.Describe(target.Kind)}");
        try
        {
            Directory.CreateDirectory(folder);
            // A new name opened with CreateNew: never an existing file, FIFO or device of someone else's.
            string probe = Path.Combine(folder, $".vae-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
            new FileStream(probe, FileMode.CreateNew, FileAccess.Write).Dispose();
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write to output folder '{folder}': {e.Message}");
        }
        var stale = AtomicFile.RemoveStale(folder);
        if (stale.Count > 0)
            Console.Out.WriteLine($"removed {stale.Count} temporary file(s) a killed vae left in {folder}: " +
                string.Join(", ", stale));
    }

    public static void EnsureWritableFileFolder(string file)
    {
        if (Directory.Exists(file)) throw new UsageException($"output '{file}' is a folder; give a file name");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(file));
        EnsureWritableFolder(string.IsNullOrEmpty(dir) ? "." : dir);
    }

    /// <summary>
    /// Checks an output file before any work: its folder can be written, nothing but a regular file sits at the path
    /// (<see cref="AtomicFile.CheckTarget"/>), and it is none of the command's inputs (its --checkpoint, the files of
    /// its --data folder): <c>sample --checkpoint X --out X</c> must not replace the checkpoint with a picture.
    /// </summary>
    public static void EnsureOutputFile(this ArgParser p, string file)
    {
        EnsureWritableFileFolder(file);
        AtomicFile.CheckTarget(file);
        var output = FileEntry.Of(file, followLinks: true);
        if (output.Kind == FileKind.Missing) return;
        foreach (string input in InputPaths(p))
            if (output.SameFileAs(FileEntry.Of(input, followLinks: true)))
                throw new UsageException(
                    $"output '{file}' is the input file '{input}'; vae never writes over its inputs");
    }

    /// <summary><see cref="EnsureOutputFile"/> for the named files of an output folder.</summary>
    public static void EnsureOutputFolder(this ArgParser p, string folder, params string[] names)
    {
        EnsureWritableFolder(folder);
        foreach (string name in names) p.EnsureOutputFile(Path.Combine(folder, name));
    }

    /// <summary>The files the command reads: its --checkpoint and the files of its --data folder.</summary>
    private static IEnumerable<string> InputPaths(ArgParser p)
    {
        if (p.Declares("checkpoint") && p.GetString("checkpoint") is { Length: > 0 } checkpoint)
            yield return checkpoint;
        if (!p.Declares("data")) yield break;
        string data = p.GetDataDir(p.GetDataset());
        if (FileEntry.Of(data, followLinks: true).Kind != FileKind.Directory) yield break;
        foreach (string file in Directory.EnumerateFiles(data)) yield return file;
    }
}
