using System.Diagnostics;

namespace Vae.Engine;

/// <summary>
/// Where a tape's time goes, per kind of op, forward and backward: set <see cref="Tape.Profile"/> and every op is
/// timed. A forward op's time runs from its recording to the next op's (the op records itself, then computes), so
/// the caller's code between two ops is counted with the earlier one; the last forward op is closed by
/// <see cref="Tape.Backward"/> or by <see cref="CloseForward"/>. Two clock reads per op: cheap next to any kernel,
/// but not free, so leave it off outside profiling.
/// </summary>
public sealed class OpProfile
{
    private static readonly int Kinds = Enum.GetValues<OpKind>().Length;
    private readonly long[] _forward = new long[Kinds], _backward = new long[Kinds];
    private readonly long[] _forwardCalls = new long[Kinds], _backwardCalls = new long[Kinds];
    private int _open = -1;
    private long _openedAt;

    /// <summary>Called by the tape as op <paramref name="kind"/> records itself: closes the previous op.</summary>
    internal void StartForward(OpKind kind)
    {
        long now = Stopwatch.GetTimestamp();
        CloseAt(now);
        _open = (int)kind;
        _openedAt = now;
        _forwardCalls[_open]++;
    }

    /// <summary>Ends the time of the last forward op (the tape does this when the backward pass starts).</summary>
    public void CloseForward() => CloseAt(Stopwatch.GetTimestamp());

    private void CloseAt(long now)
    {
        if (_open >= 0) _forward[_open] += now - _openedAt;
        _open = -1;
    }

    internal void AddBackward(OpKind kind, long ticks)
    {
        _backward[(int)kind] += ticks;
        _backwardCalls[(int)kind]++;
    }

    /// <summary>Forgets everything measured so far (e.g. after warm-up).</summary>
    public void Reset()
    {
        Array.Clear(_forward);
        Array.Clear(_backward);
        Array.Clear(_forwardCalls);
        Array.Clear(_backwardCalls);
        _open = -1;
    }

    /// <summary>One line per op kind and direction that ran: total seconds and calls, largest first.</summary>
    public IReadOnlyList<OpTime> Times()
    {
        var times = new List<OpTime>();
        foreach (var kind in Enum.GetValues<OpKind>())
        {
            int k = (int)kind;
            if (_forwardCalls[k] > 0)
                times.Add(new OpTime(kind, Backward: false, _forward[k] / (double)Stopwatch.Frequency, _forwardCalls[k]));
            if (_backwardCalls[k] > 0)
                times.Add(new OpTime(kind, Backward: true, _backward[k] / (double)Stopwatch.Frequency, _backwardCalls[k]));
        }
        times.Sort((a, b) => b.Seconds.CompareTo(a.Seconds));
        return times;
    }
}

/// <summary>The time one kind of op took in one direction, and how many times it ran.</summary>
public readonly record struct OpTime(OpKind Kind, bool Backward, double Seconds, long Calls)
{
    public string Label => OpKinds.Name(Kind) + (Backward ? " (backward)" : "");
}
