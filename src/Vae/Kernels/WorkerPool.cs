using System.Diagnostics;

namespace Vae.Kernels;

/// <summary>
/// A few persistent background threads that run one parallel loop at a time without allocating.
/// A training step calls the kernels thousands of times; <c>Parallel.For</c> or a <c>Task</c> per call would allocate
/// (and the GC pauses would show up in the step time), so the work is handed over through a function pointer and
/// a state pointer that lives on the caller's stack. The caller works too, and waits for the rest.
/// </summary>
/// <remarks>
/// Parts are claimed, not assigned: every thread (the caller included) takes parts that nobody has taken yet, so
/// when a worker is slow to wake (the other core busy with something else) the caller does its parts instead of
/// waiting. Each part is claimed exactly once per call by a compare-and-swap on its flag.
/// <para>
/// Workers spin, then park: after a call a worker watches for the next one for <see cref="SpinMicroseconds"/> before it
/// blocks on its semaphore. A training step makes a parallel call every few hundred microseconds, so its workers stay
/// awake through the step; a worker woken from its semaphore took 25–45 µs to start (issue 10), a spinning one
/// starts at once. Between steps, or when nothing else is parallel, they sleep and cost nothing.
/// </para>
/// </remarks>
internal static unsafe class WorkerPool
{
    private const int MaxParts = 256;
    private const int SpinMicroseconds = 300;
    private static readonly object Grow = new();
    // Released once per call, by whichever thread finishes its last part; the caller takes it once. (A
    // ManualResetEventSlim allocates its lock object the first time a caller blocks, which could be mid-training.)
    private static readonly SemaphoreSlim Done = new(0);
    private static readonly int[] Claimed = CreateFlags(); // 0 = free in the current call, 1 = taken
    private static Worker[] _workers = [];
    private static delegate*<void*, int, void> _body;
    private static void* _state;
    private static int _parts, _unfinished, _busy;
    private static Exception? _error;

    private static int[] CreateFlags()
    {
        var flags = new int[MaxParts];
        Array.Fill(flags, 1);
        return flags;
    }

    /// <summary>
    /// Runs <c>body(state, part)</c> for every part in [0, parts) on up to <paramref name="threads"/> threads and
    /// returns when all have finished. If the pool is already in use (another caller, or a nested call), the parts
    /// run one after the other on the calling thread: callers split their work so that the result does not depend
    /// on which thread runs a part.
    /// </summary>
    public static void Run(int parts, int threads, delegate*<void*, int, void> body, void* state)
    {
        if (parts <= 1 || threads <= 1 || parts > MaxParts || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int part = 0; part < parts; part++) body(state, part);
            return;
        }
        try
        {
            int helpers = Math.Min(threads, parts) - 1;
            EnsureWorkers(helpers);
            _body = body;
            _state = state;
            _error = null;
            _parts = parts;
            _unfinished = parts;
            // Freeing the flags publishes the fields above (a worker reads them only after claiming a part).
            for (int part = 0; part < parts; part++) Volatile.Write(ref Claimed[part], 0);
            for (int w = 0; w < helpers; w++) _workers[w].Wake((w + 1) * parts / (helpers + 1));
            // Wait even if a part throws here: the workers use the caller's state until they are done.
            try { Work(0); }
            finally { WaitForParts(); }
            if (_error is { } e) throw new AggregateException("a worker thread failed", e);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Runs every part not yet claimed, scanning from <paramref name="start"/> (so threads begin
    /// apart).</summary>
    private static void Work(int start)
    {
        int parts = Volatile.Read(ref _parts);
        for (int i = 0; i < parts; i++)
        {
            int part = (start + i) % parts;
            if (Interlocked.CompareExchange(ref Claimed[part], 1, 0) != 0) continue;
            try { _body(_state, part); }
            catch (Exception e) { _error = e; }
            if (Interlocked.Decrement(ref _unfinished) == 0) Done.Release();
        }
    }

    /// <summary>Spins while the other parts finish (they are usually already running), then blocks.</summary>
    private static void WaitForParts()
    {
        long until = Stopwatch.GetTimestamp() + SpinTicks;
        while (Volatile.Read(ref _unfinished) > 0 && Stopwatch.GetTimestamp() < until) Thread.SpinWait(8);
        Done.Wait();
    }

    private static readonly long SpinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

    private static void EnsureWorkers(int count)
    {
        if (_workers.Length >= count) return;
        lock (Grow)
        {
            var grown = new Worker[count];
            Array.Copy(_workers, grown, _workers.Length);
            for (int i = _workers.Length; i < count; i++) grown[i] = new Worker(i + 1);
            _workers = grown;
        }
    }

    private sealed class Worker
    {
        // One semaphore per worker: Release wakes exactly this thread, and Wait/Release do not allocate.
        // A worker that wakes late (after its call ended) finds every flag taken, or helps the call now running.
        private readonly SemaphoreSlim _go = new(0);
        private int _start, _calls, _parked;   // _calls: calls handed to this worker; _parked: 1 while it may block

        public Worker(int id) =>
            new Thread(Loop) { IsBackground = true, Name = $"Vae.Kernels worker {id}" }.Start();

        public void Wake(int start)
        {
            _start = start;
            Interlocked.Increment(ref _calls);
            if (Interlocked.Exchange(ref _parked, 0) == 1) _go.Release();
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                long until = Stopwatch.GetTimestamp() + SpinTicks;
                while (Volatile.Read(ref _calls) == seen && Stopwatch.GetTimestamp() < until) Thread.SpinWait(8);
                if (Volatile.Read(ref _calls) == seen)
                {
                    // Park. A call that arrives between the flag and the check finds the flag set and releases us
                    // (then Wait returns at once), or we see it and take the flag back ourselves.
                    Interlocked.Exchange(ref _parked, 1);
                    if (Volatile.Read(ref _calls) == seen || Interlocked.Exchange(ref _parked, 0) == 0) _go.Wait();
                }
                seen = Volatile.Read(ref _calls);
                Work(Volatile.Read(ref _start));
            }
        }
    }
}
