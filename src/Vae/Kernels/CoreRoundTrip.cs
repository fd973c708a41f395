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
/// minutes, even inside one process. The 2-thread training step of the paper's model ran 77–81 k images/s in the
/// first case and 47–49 k in the second (medians; docs/benchmarks.md). Benchmarks print this figure beside theirs so
/// that the two cases are not mistaken for a change in the code.
/// </remarks>
public static class CoreRoundTrip
{
    /// <summary>
    /// The mean round trip in nanoseconds over <paramref name="roundTrips"/> passes, or null on a single core or when
    /// the other thread did not answer within <paramref name="timeout"/> (both threads placed on one core, or a busy
    /// machine). The clock is read only while a pass waits, so a run whose passes all answer at once is not cut short.
    /// </summary>
    public static double? Nanoseconds(int roundTrips = 50_000, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(roundTrips, 1);
        var wait = timeout ?? TimeSpan.FromSeconds(2);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(wait, TimeSpan.Zero, nameof(timeout));
        if (Environment.ProcessorCount < 2) return null;
        // Capped so that a huge timeout cannot overflow into a limit already past.
        long limit = Stopwatch.GetTimestamp()
            + (long)Math.Min(wait.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 4);
        // The counter alone in its 64-byte line (and the lines either side), so only the hand-over is measured; the
        // stop flag in a line of its own, which the other thread only reads until the end.
        var line = new long[Length];
        bool gaveUp = false;
        var echo = new Thread(() => Echo(line)) { IsBackground = true, Name = "Vae core round trip" };
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
        Volatile.Write(ref line[Stop], 1);
        echo.Join();
        return gaveUp ? null : (end - start) * 1e9 / Stopwatch.Frequency / roundTrips;
    }

    /// <summary>Where in <see cref="Echo"/>'s array the counter and the stop flag are, 128 bytes apart.</summary>
    internal const int At = 8, Stop = 24, Length = 40;

    /// <summary>
    /// The other thread: answers each odd count with the next even one until the stop flag is set. The stop is not
    /// written over the counter: a caller that gives up on a pass the echo has just seen would have its stop
    /// overwritten by the answer, and the echo would then wait for the next pass for ever, spinning, while the caller
    /// waited for it to end.
    /// </summary>
    internal static void Echo(long[] line)
    {
        for (long expect = 1; ; expect += 2)
        {
            while (Volatile.Read(ref line[At]) != expect)
                if (Volatile.Read(ref line[Stop]) != 0) return;
            Volatile.Write(ref line[At], expect + 1);
        }
    }
}
