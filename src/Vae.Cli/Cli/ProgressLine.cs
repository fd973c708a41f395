using System.Diagnostics;
using Vae.Training;

namespace Vae.Cli;

/// <summary>
/// The progress of a long piece of work (an epoch, an importance-weighted evaluation, …) with its ETA: one line redrawn
/// in place on a terminal; when output is redirected, a plain line at every quarter of the work and at least every
/// <see cref="LogInterval"/>, so logs stay short yet a slow job still shows it is alive.
/// </summary>
public sealed class ProgressLine
{
    private readonly bool _terminal = !Console.IsOutputRedirected;
    private readonly Stopwatch _clock = new();
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(30);
    private int _lastQuarter;
    private int _width;

    public void Report(BatchProgress p) =>
        Show($"epoch {p.Epoch} batch {p.Batch}/{p.Batches}  loss {p.RunningLoss:F2}  {p.ImagesPerSecond:N0} img/s  " +
            $"ETA {Eta(p.Eta)}",
            p.Batch, p.Batches);

    /// <summary>"WHAT DONE/TOTAL  ETA m:ss", the ETA from the time since the first report of this work.</summary>
    public TimeSpan Report(string what, long done, long total)
    {
        if (!_clock.IsRunning) _clock.Restart();
        var eta = done > 0 ? TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds * (total - done) / done) : TimeSpan.Zero;
        Show($"{what} {done:N0}/{total:N0}  ETA {Eta(eta)}", done, total);
        return eta;
    }

    private void Show(string text, long done, long total)
    {
        if (_terminal)
        {
            Console.Out.Write('\r' + text.PadRight(_width));
            _width = text.Length;
            return;
        }
        int quarter = (int)(4 * done / Math.Max(total, 1));
        if ((quarter > _lastQuarter || _sinceLine.Elapsed >= LogInterval) && done < total)
        {
            Console.Out.WriteLine(text);
            _lastQuarter = quarter;
            _sinceLine.Restart();
        }
    }

    /// <summary>Ends the in-place line before the next output is printed.</summary>
    public void Finish()
    {
        if (_terminal && _width > 0) Console.Out.Write('\r' + new string(' ', _width) + '\r');
        _width = 0;
        _lastQuarter = 0;
        _clock.Reset();
        _sinceLine.Restart();
    }

    public static string Eta(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");
}
