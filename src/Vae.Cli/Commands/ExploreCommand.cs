using Vae.Data;
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
            .Option("dataset", "mnist", "the test images whose codes the page shows: mnist or shapes", "NAME")
            .Option("codes", "2000", "test codes embedded (scatter and random-image button)", "N")
            .Data()
            .Threads()
            .Option("out", "explore.html", "output page", "FILE");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }
        string dataset = p.GetChoice("dataset", "mnist", "shapes");
        int count = p.GetInt("codes", 10, 100_000);
        string outFile = p.GetRequiredString("out");
        CommonOptions.EnsureWritableFileFolder(outFile);
        var model = p.LoadCheckpoint().Model;
        var test = dataset == "shapes" ? Shapes.Generate().Test : CommonOptions.LoadMnist(p.GetRequiredString("data")).Test;

        var codes = LatentCodes.Encode(model, test, count, threads: p.GetThreads());
        var embedded = ExplorePage.Take(codes, test.Images, MnistSet.Side, count);
        string title = $"Latent explorer: {dataset}, {model.Latent}-D {(model.IsVariational ? "VAE" : "autoencoder")}";
        string html = ExplorePage.Build(model, MnistSet.Side, embedded, title);
        Vae.IO.AtomicFile.WriteAllBytes(outFile, System.Text.Encoding.UTF8.GetBytes(html));
        Console.Out.WriteLine($"wrote {outFile} ({html.Length / 1024:N0} KB): {model.Latent} sliders, {embedded.Labels.Length:N0} " +
            $"test codes, {embedded.ImageCount} test images{(model.Latent == 2 ? ", a 2-D pad" : "")}; open it in a browser");
        return ExitCodes.Ok;
    }
}
