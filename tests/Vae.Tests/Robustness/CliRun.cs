using Vae.Cli;

namespace Vae.Tests.Robustness;

/// <summary>What one in-process run of the CLI returned and printed.</summary>
internal sealed record CliResult(int Code, string Out, string Err)
{
    /// <summary>The non-empty lines of stderr.</summary>
    public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {Code}\n--- stdout\n{Out}\n--- stderr\n{Err}";
}

/// <summary>
/// Runs the CLI in this process with stdout and stderr captured (Console.SetOut/SetError are process-wide, so the
/// fixtures that use this are [NonParallelizable]), and reads metrics.csv by column name.
/// </summary>
internal static class CliRun
{
    private static readonly object Gate = new();

    public static CliResult Run(params string[] args) => Capture(() => Dispatcher.Run(args));

    public static CliResult Capture(Func<int> run)
    {
        lock (Gate)
        {
            var (stdout, stderr) = (Console.Out, Console.Error);
            var o = new StringWriter();
            var e = new StringWriter();
            Console.SetOut(o);
            Console.SetError(e);
            try { return new CliResult(run(), o.ToString(), e.ToString()); }
            finally
            {
                Console.SetOut(stdout);
                Console.SetError(stderr);
            }
        }
    }

    /// <summary>A tiny model on the MNIST slice (300 training digits: 6 steps of 50 per epoch).</summary>
    public static string[] Tiny(string outDir, params string[] more) =>
        ["train", "--data", TestPaths.Slice, "--out", outDir, "--hidden", "16", "--latent", "3", "--batch-size", "50",
         "--threads", "2", "--seed", "7", .. more];

    /// <summary>The columns that depend on timing; every other column must agree bit for bit between equal runs.</summary>
    private static readonly string[] TimingColumns = ["images_per_sec", "seconds"];

    /// <summary>metrics.csv as rows of (column name → text), without the timing columns.</summary>
    public static List<Dictionary<string, string>> LossRows(string metricsCsv)
    {
        var lines = File.ReadAllLines(metricsCsv).Where(l => l.Length > 0).ToArray();
        var header = lines[0].Split(',');
        var rows = new List<Dictionary<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            Assert.That(cells, Has.Length.EqualTo(header.Length), $"{metricsCsv}: row '{line}' does not match the header");
            var row = new Dictionary<string, string>();
            for (int i = 0; i < header.Length; i++)
                if (Array.IndexOf(TimingColumns, header[i]) < 0) row[header[i]] = cells[i];
            rows.Add(row);
        }
        return rows;
    }

    public static void AssertSameLosses(string expectedCsv, string actualCsv, int rows)
    {
        var a = LossRows(expectedCsv);
        var b = LossRows(actualCsv);
        Assert.That(a, Has.Count.EqualTo(rows), File.ReadAllText(expectedCsv));
        Assert.That(b, Has.Count.EqualTo(rows), File.ReadAllText(actualCsv));
        Assert.That(a[0].Keys, Does.Contain("train_loss").And.Contain("test_loss"));
        for (int i = 0; i < rows; i++)
            Assert.That(b[i], Is.EqualTo(a[i]), $"row {i + 1}:\n{File.ReadAllText(expectedCsv)}\nvs\n{File.ReadAllText(actualCsv)}");
    }
}
