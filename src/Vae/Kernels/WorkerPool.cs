namespace Vae.Kernels;

/// <summary>
/// A few persistent background threads that run one parallel loop at a time without allocating.
/// A training step calls the kernels thousands of times; <c>Parallel.For</c> or a <c>Task</c> per call would allocate
/// (and the GC pauses would show up in the step time), so the work is handed over through a function pointer and
/// a state pointer that lives on the caller's stack. The caller runs part 0 itself and waits for the rest.
/// </summary>
internal static unsafe class WorkerPool
{
    private static readonly object Grow = new();
    private static readonly ManualResetEventSlim Done = new(false);
    private static Worker[] _workers = [];
    private static delegate*<void*, int, void> _body;
    private static void* _state;
    private static int _pending;
    private static int _busy;
    private static Exception? _error;

    /// <summary>
    /// Runs <c>body(state, part)</c> for every part in [0, parts) and returns when all have finished.
    /// If the pool is already in use (another caller, or a nested call), the parts run one after the other on the
    /// calling thread instead: callers split their work so that the result does not depend on who runs a part.
    /// </summary>
    public static void Run(int parts, delegate*<void*, int, void> body, void* state)
    {
        if (parts <= 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int part = 0; part < parts; part++) body(state, part);
            return;
        }
        try
        {
            EnsureWorkers(parts - 1);
            _body = body;
            _state = state;
            _error = null;
            _pending = parts - 1;
            Done.Reset();
            for (int part = 1; part < parts; part++) _workers[part - 1].Start(part);
            // Wait even if part 0 throws: the workers use the caller's state until they are done.
            try { body(state, 0); }
            finally { Done.Wait(); }
            if (_error is { } e) throw new AggregateException("a worker thread failed", e);
        }
        finally
        {
            _state = null;
            Volatile.Write(ref _busy, 0);
        }
    }

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
        private readonly SemaphoreSlim _go = new(0);
        private int _part;

        public Worker(int id) =>
            new Thread(Loop) { IsBackground = true, Name = $"Vae.Kernels worker {id}" }.Start();

        public void Start(int part)
        {
            _part = part;
            _go.Release();
        }

        private void Loop()
        {
            while (true)
            {
                _go.Wait();
                try { _body(_state, _part); }
                catch (Exception e) { _error = e; }
                if (Interlocked.Decrement(ref _pending) == 0) Done.Set();
            }
        }
    }
}
