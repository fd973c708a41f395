using Vae.Data;

namespace Vae.Cli.Commands;

/// <summary><c>vae fetch</c>: puts a dataset's files into its folder (download, unpack or generate) and verifies them.</summary>
public sealed class FetchCommand : ICommand
{
    public string Name => "fetch";
    public string Summary => "get a dataset's files into its folder and verify them (train and the other commands do this when files are missing)";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ".").Data();
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }
        var dataset = p.GetDataset();
        string dir = p.GetDataDir(dataset);
        CommonOptions.EnsureDataFolder(dir);
        dataset.Fetch(dir, Console.Out.WriteLine);
        var (train, test) = dataset.Load(dir);
        Console.Out.WriteLine($"{dataset.Name} is in {Path.GetFullPath(dir)}: {train.Count:N0} training and {test.Count:N0} test " +
            $"images of {dataset.Width}×{dataset.Height}×{dataset.Channels}");
        return ExitCodes.Ok;
    }
}
