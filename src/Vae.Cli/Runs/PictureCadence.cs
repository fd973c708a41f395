using Vae.Training;

namespace Vae.Cli.Runs;

/// <summary>
/// Which epochs of <c>vae train</c> draw reconstruction_E.png and sample_E.png: every <see cref="Every"/>-th
/// epoch, or (<see cref="StageEnds"/>) the last epoch of each stage of the burda schedule — 1, 4, 13, 40, 121, 364,
/// 1093, 3280 instead of 3,280 pairs of pictures — and in either case the run's last epoch.
/// </summary>
public sealed record PictureCadence(int Every, bool StageEnds)
{
    /// <summary>Every epoch: the default without a schedule.</summary>
    public static readonly PictureCadence EachEpoch = new(1, StageEnds: false);

    /// <summary>The default of --schedule burda.</summary>
    public static readonly PictureCadence BurdaStageEnds = new(0, StageEnds: true);

    /// <summary>True when epoch <paramref name="epoch"/> of a run of <paramref name="lastEpoch"/> epochs gets
    /// pictures.</summary>
    public bool Due(int epoch, int lastEpoch) =>
        epoch == lastEpoch || (StageEnds ? BurdaSchedule.IsStageEnd(epoch) : epoch % Every == 0);

    /// <summary>--pictures-every N when given, else the default of the run's schedule.</summary>
    public static PictureCadence For(int? every, string? schedule) =>
        every is int n ? new(n, StageEnds: false) : schedule == BurdaSchedule.Name ? BurdaStageEnds : EachEpoch;
}
