using Vae.Data;
using Vae.Engine;
using Vae.Model;
using Vae.Objectives;

namespace Vae.Analysis;

/// <summary>Sums of per-image losses over some images, turned into means (nats per image) on demand.</summary>
public struct LossSums
{
    public double Loss, Reconstruction, Kl;
    public long Images;

    public void Add(double meanLoss, double meanRecon, double meanKl, int images)
    {
        Loss += meanLoss * images;
        Reconstruction += meanRecon * images;
        Kl += meanKl * images;
        Images += images;
    }

    public readonly double MeanLoss => Images == 0 ? double.NaN : Loss / Images;
    public readonly double MeanReconstruction => Images == 0 ? double.NaN : Reconstruction / Images;
    public readonly double MeanKl => Images == 0 ? double.NaN : Kl / Images;
}

/// <summary>Test-set evaluation: mean negative ELBO and its two parts, in nats per image.</summary>
public readonly record struct Evaluation(double Loss, double Reconstruction, double Kl, int Images);

/// <summary>
/// Mean negative ELBO (and its parts) of a model on a data set — or another objective's bound, e.g. −IWAE_K with
/// K ε per image — with ε from a stream reset to the same start every time, so evaluations of the same weights
/// agree exactly. Its buffers (an inference tape and one
/// batch) are kept, so a trainer can evaluate every epoch without allocating again.
/// </summary>
public sealed class Evaluator(int batchSize = 1000, int threads = 0)
{
    private readonly Tape _tape = Tape.ForInference(threads);
    private readonly Tensor _x = new(batchSize, 1, name: "x");
    private readonly Tensor _eps = new(batchSize, 1, name: "eps");
    private readonly int[] _indices = new int[batchSize];

    public Evaluation Run(VaeModel model, ImageSet data, ulong seed = 1, IObjective? bound = null)
    {
        bound ??= ElboObjective.Standard;
        int k = bound.SamplesPerImage;
        var rng = new Rng(seed, RngStreams.Evaluation);
        var batch = new Batch(_x, _eps);
        var sums = new LossSums();
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int b = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < b; i++) _indices[i] = start + i;
            _x.Reshape(b, model.Config.Input, false);
            _eps.Reshape(b * k, model.Latent, false);
            data.FillBatch(_indices.AsSpan(0, b), _x.Data);
            if (model.IsVariational) rng.FillGaussian(_eps.Data, threads);
            _tape.Reset();
            var f = bound.Loss(_tape, model, batch, new StepContext(0, 1));
            sums.Add(f.Nats, f.Reconstruction, f.Kl, b);
        }
        return new Evaluation(sums.MeanLoss, sums.MeanReconstruction, sums.MeanKl, (int)sums.Images);
    }

    /// <summary>One evaluation with fresh buffers.</summary>
    public static Evaluation Of(VaeModel model, ImageSet data, int batchSize = 1000, int threads = 0, ulong seed = 1) =>
        new Evaluator(batchSize, threads).Run(model, data, seed);
}
