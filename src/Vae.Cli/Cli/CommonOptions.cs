using Vae.Data;
using Vae.Model;

namespace Vae.Cli;

/// <summary>Options several commands share, declared and read in one place so their help and checks agree.</summary>
public static class CommonOptions
{
    public static ArgParser Data(this ArgParser p) =>
        p.Option("data", Mnist.DefaultDataDir(), "MNIST folder (fetched there when missing; env VAE_DATA sets the default)", "DIR");

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

    /// <summary>Loads MNIST from the --data folder, fetching it first when the files are missing.</summary>
    public static (MnistSet Train, MnistSet Test) LoadMnist(string dir)
    {
        if (File.Exists(dir)) throw new UsageException($"--data '{dir}' is a file; it must be a folder");
        if (!Mnist.FilesPresent(dir))
        {
            Console.Out.WriteLine($"MNIST not found in {dir}: fetching it");
            MnistFetcher.EnsurePresent(dir, Console.Out.WriteLine);
        }
        return Mnist.Load(dir);
    }

    /// <summary>Loads a checkpoint named by --checkpoint (one clear line if it is missing or bad).</summary>
    public static LoadedCheckpoint LoadCheckpoint(this ArgParser p)
    {
        string path = p.GetRequiredString("checkpoint");
        if (path.Length == 0) throw new UsageException("option '--checkpoint' is required");
        if (!File.Exists(path) && !Directory.Exists(path)) throw new UsageException($"checkpoint '{path}' does not exist");
        return LoadMnistCheckpoint(path);
    }

    /// <summary>
    /// Reads a checkpoint and checks that its model takes MNIST images: the library's models may have any input size,
    /// but every command here feeds them 28×28 digits.
    /// </summary>
    public static LoadedCheckpoint LoadMnistCheckpoint(string path)
    {
        var loaded = Vae.Model.Checkpoint.Load(path);
        if (loaded.Model.Config.Input != MnistSet.Pixels)
            throw new InvalidInputFileException(path,
                $"holds a model of {loaded.Model.Config.Input} inputs; MNIST images have {MnistSet.Pixels} pixels");
        return loaded;
    }

    /// <summary>Makes sure the folder of an output file exists and can be written, before any work starts.</summary>
    public static void EnsureWritableFolder(string folder)
    {
        try
        {
            if (File.Exists(folder)) throw new UsageException($"output folder '{folder}' is a file");
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".vae-write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write to output folder '{folder}': {e.Message}");
        }
    }

    public static void EnsureWritableFileFolder(string file)
    {
        if (Directory.Exists(file)) throw new UsageException($"output '{file}' is a folder; give a file name");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(file));
        EnsureWritableFolder(string.IsNullOrEmpty(dir) ? "." : dir);
    }
}
