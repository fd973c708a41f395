using Vae.Training;

namespace Vae.Cli;

/// <summary>
/// The progress of an epoch: one line redrawn in place on a terminal; when output is redirected, a plain line at
/// every quarter of the epoch so logs stay short.
/// </summary>
public sealed class ProgressLine
{
    private readonly bool _terminal = !Console.IsOutputRedirected;
    private int _lastQuarter;
    private int _width;

    public void Report(BatchProgress p)
    {
        string text = $"epoch {p.Epoch} batch {p.Batch}/{p.Batches}  loss {p.RunningLoss:F2}  {p.ImagesPerSecond:N0} img/s  ETA {Eta(p.Eta)}";
        if (_terminal)
        {
            Console.Out.Write('\r' + text.PadRight(_width));
            _width = text.Length;
            return;
        }
        int quarter = 4 * p.Batch / p.Batches;
        if (quarter > _lastQuarter && p.Batch < p.Batches)
        {
            Console.Out.WriteLine(text);
            _lastQuarter = quarter;
        }
    }

    /// <summary>Ends the in-place line before the epoch summary is printed.</summary>
    public void Finish()
    {
        if (_terminal && _width > 0) Console.Out.Write('\r' + new string(' ', _width) + '\r');
        _width = 0;
        _lastQuarter = 0;
    }

    private static string Eta(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");
}
