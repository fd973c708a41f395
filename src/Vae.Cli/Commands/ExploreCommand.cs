using Vae.Analysis;
using Vae.Lecture;

namespace Vae.Cli.Commands;

/// <summary><c>vae explore</c>: a self-contained HTML page to move through a model's latent space live.</summary>
public sealed class ExploreCommand : ICommand
{
    public string Name => "explore";
    public string Summary => "a live latent explorer: one self-contained HTML page with a slider per latent dimension";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + "; the decoder runs in the page (weights embedded, no network). " +
                "2-D models also get a pad over the test scatter.")
            .Checkpoint()
            .Option("codes", "2000", "test codes embedded (scatter and random-image button)", "N")
            .Data()
            .Threads()
            .Option("out", "explore.html", "output page", "FILE");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }
        int count = p.GetInt("codes", 10, 100_000);
        string outFile = p.GetRequiredString("out");
        CommonOptions.EnsureWritableFileFolder(outFile);
        var loaded = p.LoadCheckpoint();
        var model = loaded.Model;
        string dataset = p.GetDataset(loaded.Metadata.GetValueOrDefault("data.name")).Name;
        var (_, test) = p.LoadData(loaded);
        if (test.Channels != 1 || test.Width != test.Height)
            throw new UsageException(
                $"the explorer draws square grey images; {dataset} has {test.Width}×{test.Height}×{test.Channels}");

        var codes = LatentCodes.Encode(model, test, count, threads: p.GetThreads());
        var embedded = ExplorePage.Take(codes, test.Images, test.Width, count);
        string title = $"Latent explorer: {dataset}, {model.Latent}-D {(model.IsVariational ? "VAE" : "autoencoder")}";
        string html = ExplorePage.Build(model, test.Width, embedded, title);
        Vae.IO.AtomicFile.WriteAllBytes(outFile, System.Text.Encoding.UTF8.GetBytes(html));
        string pad = model.Latent == 2 ? ", a 2-D pad" : "";
        Console.Out.WriteLine($"wrote {outFile} ({html.Length / 1024:N0} KB): {model.Latent} sliders, " +
            $"{embedded.Labels.Length:N0} test codes, {embedded.ImageCount} test images{pad}; open it in a browser");
        return ExitCodes.Ok;
    }
}
