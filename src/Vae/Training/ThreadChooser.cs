using System.Diagnostics;

namespace Vae.Training;

/// <summary>
/// Chooses, every few thousand steps, whether the next steps run on all of the trainer's threads or on one: it times
/// a few steps of each, in the order all · one · one · all (so a drift in speed falls on both alike), and keeps the
/// one whose median step was shorter (one slow step, an interrupt or a page fault, cannot sway it). The first probe
/// waits <see cref="FirstProbe"/> steps, until the code is compiled and the caches are warm. The numbers cannot
/// change with the choice: every kernel gives the same bits on any thread count.
/// </summary>
/// <remarks>
/// Why: at the paper's batch of 20 a step hands several thousand cache lines between the two cores, and what a
/// hand-over costs is the host's choice. On a 2-vCPU KVM guest (AMD EPYC, Zen 5, AVX-512) the host moved the two vCPUs
/// between cores that share an L3 (a cache line's round trip ~80–100 ns; 2 threads 77–81 k images/s at k = 1) and
/// cores that do not (~400 ns; 2 threads 47–49 k, one thread 52–53 k), several times an hour (docs/benchmarks.md).
/// </remarks>
public sealed class ThreadChooser
{
    /// <summary>Steps timed per block of a probe; the first step of a block is not counted (it pays for the data
    /// moving to the other core).</summary>
    public const int BlockSteps = 8;
    /// <summary>Steps between two probes.</summary>
    public const int RunSteps = 4000;
    /// <summary>Steps on all threads before the first probe (by default).</summary>
    public const int FirstProbe = 1000;
    /// <summary>One thread is chosen only if its steps were at least this much faster (ties keep all
    /// threads).</summary>
    public const double Margin = 0.03;

    private static readonly bool[] ProbeOrder = [true, false, false, true];   // true: all threads
    private readonly int _all;
    // The timed steps of the current probe: [0] on one thread, [1] on all.
    private readonly long[][] _ticks = [new long[TimedPerSetting], new long[TimedPerSetting]];
    private readonly int[] _timed = new int[2];
    private int _position;   // steps into the current cycle: 4 probe blocks, then RunSteps
    private bool _chosenAll = true;

    /// <param name="threads">the trainer's threads (already resolved: at least 1)</param>
    /// <param name="firstProbe">steps on all threads before the first probe (at most <see cref="RunSteps"/>)</param>
    public ThreadChooser(int threads, int firstProbe = FirstProbe)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(firstProbe);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstProbe, RunSteps);
        _all = threads;
        // Start firstProbe steps before the end of a run phase on all threads.
        _position = firstProbe == 0 ? 0 : ProbeLength + RunSteps - firstProbe;
    }

    private static int ProbeLength => ProbeOrder.Length * BlockSteps;
    private const int TimedPerSetting = 2 * (BlockSteps - 1);

    /// <summary>The threads the next step runs on.</summary>
    public int Next => _all == 1 ? 1 : UsesAll(_position) ? _all : 1;

    /// <summary>Steps run on one thread so far, and steps in all (counted by <see cref="Record"/>).</summary>
    public long StepsOnOne { get; private set; }
    public long Steps { get; private set; }

    /// <summary>How many probes chose one thread, of all probes finished.</summary>
    public int ProbesChoosingOne { get; private set; }
    public int Probes { get; private set; }

    private bool UsesAll(int position) =>
        position < ProbeLength ? ProbeOrder[position / BlockSteps] : _chosenAll;

    /// <summary>Counts a step that ran on <see cref="Next"/> threads and took <paramref name="ticks"/>
    /// (<see cref="Stopwatch"/> ticks).</summary>
    public void Record(long ticks)
    {
        Steps++;
        if (Next == 1) StepsOnOne++;
        if (_all == 1) return;
        if (_position < ProbeLength && _position % BlockSteps != 0)
        {
            int setting = UsesAll(_position) ? 1 : 0;
            _ticks[setting][_timed[setting]++] = ticks;
        }
        _position++;
        if (_position == ProbeLength)
        {
            _chosenAll = !(Median(_ticks[0]) < Median(_ticks[1]) * (1 - Margin));
            Probes++;
            if (!_chosenAll) ProbesChoosingOne++;
            Array.Clear(_timed);
        }
        else if (_position == ProbeLength + RunSteps) _position = 0;
    }

    /// <summary>The median of the timed steps (sorted in place: they are not needed after the probe).</summary>
    private static double Median(long[] ticks)
    {
        Array.Sort(ticks);
        int h = ticks.Length / 2;
        return ticks.Length % 2 == 1 ? ticks[h] : (ticks[h - 1] + ticks[h]) / 2.0;
    }
}
