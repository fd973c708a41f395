using System.Diagnostics;

namespace Vae.Kernels;

/// <summary>
/// How long one cache line takes to go from this thread to another core and back: what every hand-over between the
/// two threads of a step costs (a part claimed, a strip of C read by the other core). Two threads pass a counter to
/// and fro, each spinning on it.
/// </summary>
/// <remarks>
/// Measured on a 2-vCPU KVM guest (AMD EPYC, Zen 5, 2026-11-28): about 100 ns while the host ran the two vCPUs on
/// cores that share an L3, about 400 ns while it ran them on cores that do not, switching between the two within
/// minutes, even inside one process. The 2-thread training step of the paper's model ran 73–81 k images/s in the
/// first case and 47–48 k in the second (docs/benchmarks.md). Benchmarks print this figure beside theirs so that the
/// two cases are not mistaken for a change in the code.
/// </remarks>
public static class CoreRoundTrip
{
    /// <summary>
    /// The mean round trip in nanoseconds over <paramref name="roundTrips"/> passes, or null on a single core or when
    /// the other thread did not answer within <paramref name="timeout"/> (both threads placed on one core).
    /// </summary>
    public static double? Nanoseconds(int roundTrips = 50_000, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(roundTrips, 1);
        if (Environment.ProcessorCount < 2) return null;
        long limit = Stopwatch.GetTimestamp() + (long)((timeout ?? TimeSpan.FromSeconds(2)).TotalSeconds
            * Stopwatch.Frequency);
        // The counter alone in its 64-byte line (and the lines either side), so only the hand-over is measured.
        var line = new long[24];
        const int At = 8;
        bool gaveUp = false;
        var echo = new Thread(() =>
        {
            // Odd values are ours to answer with the next even one; -1 means stop.
            for (long expect = 1; ; expect += 2)
            {
                long seen;
                while ((seen = Volatile.Read(ref line[At])) != expect)
                    if (seen < 0) return;
                Volatile.Write(ref line[At], expect + 1);
            }
        }) { IsBackground = true, Name = "Vae core round trip" };
        echo.Start();
        // The first passes wait for the thread to start and warm up; only the rest are timed.
        int warmUp = Math.Min(1000, roundTrips);
        long start = 0;
        for (long i = 0; i < warmUp + roundTrips && !gaveUp; i++)
        {
            if (i == warmUp) start = Stopwatch.GetTimestamp();
            Volatile.Write(ref line[At], 2 * i + 1);
            // Check the clock only now and then: reading it costs about as much as a round trip.
            for (int spins = 0; Volatile.Read(ref line[At]) != 2 * i + 2; spins++)
                if ((spins & 1023) == 1023 && Stopwatch.GetTimestamp() > limit) { gaveUp = true; break; }
        }
        long end = Stopwatch.GetTimestamp();
        Volatile.Write(ref line[At], -1);
        echo.Join();
        return gaveUp ? null : (end - start) * 1e9 / Stopwatch.Frequency / roundTrips;
    }
}
