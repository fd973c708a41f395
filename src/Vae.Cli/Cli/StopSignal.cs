using System.Runtime.InteropServices;

namespace Vae.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM during a long command: the first asks the work to stop at the next safe point (the
/// trainer finishes its step, then the command saves); a second Ctrl-C exits at once.
/// </summary>
public sealed class StopSignal : IDisposable
{
    private readonly PosixSignalRegistration? _term;
    private volatile bool _requested;

    public bool Requested => _requested;

    /// <summary>Set by tests and tools that drive the stop without a signal.</summary>
    public void Request() => _requested = true;

    public StopSignal()
    {
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
        Console.CancelKeyPress -= OnCancel;
        _term?.Dispose();
    }
}
