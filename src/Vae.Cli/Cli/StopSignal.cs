using System.Runtime.InteropServices;

namespace Vae.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM during a long command: the first asks the work to stop at the next safe point (the
/// trainer finishes its step, then the command saves); a second Ctrl-C exits at once. While no such stop point is
/// active, <see cref="ExitOnSignal"/> (installed by the dispatcher for every command) ends the command at once with
/// the same code, 130, for both signals — instead of .NET's 143 for SIGTERM.
/// </summary>
public sealed class StopSignal : IDisposable
{
    private readonly PosixSignalRegistration? _term;
    private volatile bool _requested;
    private static int _active;

    public bool Requested => _requested;

    /// <summary>Set by tests and tools that drive the stop without a signal.</summary>
    public void Request() => _requested = true;

    public StopSignal()
    {
        Interlocked.Increment(ref _active);
        Console.CancelKeyPress += OnCancel;
        try { _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerm); }
        catch (PlatformNotSupportedException) { _term = null; }
    }

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        if (_requested)
        {
            // Second Ctrl-C: let the runtime end the process now.
            e.Cancel = false;
            return;
        }
        e.Cancel = true;
        _requested = true;
        Console.Error.WriteLine();
        Console.Error.WriteLine("stopping after this step and saving (Ctrl-C again to quit at once)...");
    }

    private void OnTerm(PosixSignalContext context)
    {
        context.Cancel = true;
        _requested = true;
    }

    public void Dispose()
    {
        Interlocked.Decrement(ref _active);
        Console.CancelKeyPress -= OnCancel;
        _term?.Dispose();
    }

    /// <summary>
    /// For the whole of a command: SIGINT or SIGTERM while no <see cref="StopSignal"/> is active prints one line and
    /// exits with <see cref="ExitCodes.Interrupted"/>. Files being written are left as temporary files, which the
    /// next command writing to that folder removes (<see cref="Vae.IO.AtomicFile.RemoveStale"/>).
    /// </summary>
    public static IDisposable ExitOnSignal(string command)
    {
        void Handle(PosixSignalContext context)
        {
            if (Volatile.Read(ref _active) > 0) return;   // the active StopSignal stops at its safe point
            context.Cancel = true;
            Console.Error.WriteLine($"vae {command}: interrupted ({context.Signal})");
            Environment.Exit(ExitCodes.Interrupted);
        }
        var registrations = new List<IDisposable>();
        try
        {
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle));
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle));
        }
        catch (PlatformNotSupportedException) { }
        return new Registrations(registrations);
    }

    private sealed class Registrations(List<IDisposable> items) : IDisposable
    {
        public void Dispose() { foreach (var r in items) r.Dispose(); }
    }
}
