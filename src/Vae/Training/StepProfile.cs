using System.Diagnostics;
using Vae.Engine;

namespace Vae.Training;

/// <summary>The parts of a training step, in order.</summary>
public enum StepPhase { Batch, Noise, Forward, Backward, Optimizer }

/// <summary>
/// Where a training step's time goes: the five phases of <see cref="Trainer"/>'s step (batch fill, ε, forward and
/// loss, backward, clip and Adam), and inside forward and backward each kind of op (<see cref="Ops"/>). Set
/// <see cref="Trainer.Profile"/> to collect it; <c>vae bench train --profile</c> prints it.
/// </summary>
public sealed class StepProfile
{
    private readonly long[] _phases = new long[Enum.GetValues<StepPhase>().Length];

    public OpProfile Ops { get; } = new();

    /// <summary>Steps measured since the last <see cref="Reset"/>.</summary>
    public long Steps { get; internal set; }

    internal void Add(StepPhase phase, long ticks) => _phases[(int)phase] += ticks;

    /// <summary>Total seconds spent in <paramref name="phase"/>.</summary>
    public double Seconds(StepPhase phase) => _phases[(int)phase] / (double)Stopwatch.Frequency;

    public void Reset()
    {
        Array.Clear(_phases);
        Ops.Reset();
        Steps = 0;
    }
}
