using Vae.Engine;

namespace Vae.Analysis;

/// <summary>How one ground-truth factor is captured: the latent dimension sharing most information with it,
/// that information as a fraction of the factor's entropy, and the gap to the runner-up dimension (its MIG).</summary>
public sealed record FactorCapture(string Factor, int BestDim, double NormalizedMi, int SecondDim, double Mig);

/// <summary>MIG per factor and their mean; <see cref="Mi"/>[j, k] = I(z_j; v_k) in nats,
/// <see cref="Entropy"/>[k] = H(v_k).</summary>
public sealed record MigResult(FactorCapture[] Factors, double[,] Mi, double[] Entropy)
{
    public double Mean => Factors.Average(f => f.Mig);

    /// <summary>The mean MIG over the named factors only (e.g. the continuous ones).</summary>
    public double MeanOver(IEnumerable<string> names)
    {
        var set = names.ToHashSet();
        return Factors.Where(f => set.Contains(f.Factor)).Average(f => f.Mig);
    }
}

/// <summary>The FactorVAE metric: accuracy of the majority-vote classifier, and its vote table [dim, factor].</summary>
public sealed record FactorVaeResult(double Accuracy, int[,] Votes, bool[] Active);

/// <summary>
/// Disentanglement scores of a code against known generative factors, as pure functions of the codes μ
/// (n rows of J, row-major) and each code's factor levels (n rows of K, row-major, level counts given).
/// </summary>
public static class Disentanglement
{
    /// <summary>
    /// Mutual information gap (Chen et al. 2018), in the histogram form of Locatello et al. 2019: each μ_j is cut
    /// into <paramref name="bins"/> equal bins over its range; MIG_k = (I(z_a; v_k) − I(z_b; v_k)) / H(v_k) with
    /// a, b the two dimensions sharing most information with v_k. 1 = one dimension holds all of v_k and no other
    /// dimension any; 0 = the two best dimensions hold the same amount.
    /// </summary>
    public static MigResult Mig(ReadOnlySpan<float> codes, int latent, ReadOnlySpan<int> levels,
        IReadOnlyList<string> factorNames, IReadOnlyList<int> levelCounts, int bins = 20)
    {
        int k = factorNames.Count, n = Check(codes, latent, levels, k);
        if (latent < 2) throw new ArgumentException("MIG needs at least two latent dimensions");
        var binned = Discretize(codes, latent, bins);
        var mi = new double[latent, k];
        var entropy = new double[k];
        var factorColumn = new int[n];
        var latentColumn = new int[n];
        for (int f = 0; f < k; f++)
        {
            for (int i = 0; i < n; i++) factorColumn[i] = levels[i * k + f];
            entropy[f] = Entropy(factorColumn, levelCounts[f]);
            for (int j = 0; j < latent; j++)
            {
                for (int i = 0; i < n; i++) latentColumn[i] = binned[i * latent + j];
                mi[j, f] = MutualInformation(latentColumn, bins, factorColumn, levelCounts[f]);
            }
        }
        var captures = new FactorCapture[k];
        for (int f = 0; f < k; f++)
        {
            var order = Enumerable.Range(0, latent).OrderByDescending(j => mi[j, f]).ThenBy(j => j).ToArray();
            double h = entropy[f];
            double gap = h > 0 ? (mi[order[0], f] - mi[order[1], f]) / h : 0;
            captures[f] = new FactorCapture(factorNames[f], order[0], h > 0 ? mi[order[0], f] / h : 0, order[1], gap);
        }
        return new MigResult(captures, mi, entropy);
    }

    /// <summary>
    /// The FactorVAE metric (Kim &amp; Mnih 2018): each vote fixes one factor at a level, takes
    /// <paramref name="batch"/> codes sharing it, divides each active dimension's variance over them by its
    /// variance over all codes, and pairs the factor with the dimension of least relative variance. The score is
    /// the accuracy, on <paramref name="evalVotes"/> fresh votes, of predicting the factor from that dimension by
    /// the majority of <paramref name="trainVotes"/> votes. Dimensions of variance below
    /// <paramref name="activeVariance"/> over all codes are collapsed and take no part.
    /// </summary>
    public static FactorVaeResult FactorVae(ReadOnlySpan<float> codes, int latent, ReadOnlySpan<int> levels,
        IReadOnlyList<int> levelCounts, Rng rng, int batch = 64, int trainVotes = 10_000, int evalVotes = 5_000,
        double activeVariance = 0.01)
    {
        int k = levelCounts.Count, n = Check(codes, latent, levels, k);
        var mean = new double[latent];
        var variance = new double[latent];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < latent; j++) mean[j] += codes[i * latent + j];
        for (int j = 0; j < latent; j++) mean[j] /= n;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < latent; j++) { double d = codes[i * latent + j] - mean[j]; variance[j] += d * d; }
        var active = new bool[latent];
        for (int j = 0; j < latent; j++)
        {
            variance[j] /= Math.Max(1, n - 1);
            active[j] = variance[j] >= activeVariance;
        }

        // The images at each level of each factor, to draw a batch sharing one level.
        var byLevel = new List<int>[k][];
        for (int f = 0; f < k; f++)
        {
            byLevel[f] = new List<int>[levelCounts[f]];
            for (int v = 0; v < levelCounts[f]; v++) byLevel[f][v] = [];
            for (int i = 0; i < n; i++) byLevel[f][levels[i * k + f]].Add(i);
        }

        var train = new int[latent, k];
        var codesArray = codes.ToArray();
        var levelsArray = levels.ToArray();
        var draw = new int[batch];
        // One vote: a level of factor f drawn as the data draws it, a batch sharing it, the least relative variance.
        int Argmin(int f)
        {
            var members = byLevel[f][levelsArray[rng.NextInt(n) * k + f]];
            for (int b = 0; b < batch; b++) draw[b] = members[rng.NextInt(members.Count)];
            int best = -1;
            double bestValue = double.PositiveInfinity;
            for (int j = 0; j < latent; j++)
            {
                if (!active[j]) continue;
                double m = 0, s = 0;
                for (int b = 0; b < batch; b++) m += codesArray[draw[b] * latent + j];
                m /= batch;
                for (int b = 0; b < batch; b++) { double d = codesArray[draw[b] * latent + j] - m; s += d * d; }
                double relative = s / Math.Max(1, batch - 1) / variance[j];
                if (relative < bestValue) { bestValue = relative; best = j; }
            }
            return best;
        }

        if (!active.Any(a => a)) return new FactorVaeResult(0, train, active);
        for (int v = 0; v < trainVotes; v++)
        {
            int f = rng.NextInt(k);
            train[Argmin(f), f]++;
        }
        var predict = new int[latent];
        for (int j = 0; j < latent; j++)
        {
            int best = 0;
            for (int f = 1; f < k; f++) if (train[j, f] > train[j, best]) best = f;
            predict[j] = best;
        }
        int correct = 0;
        for (int v = 0; v < evalVotes; v++)
        {
            int f = rng.NextInt(k);
            if (predict[Argmin(f)] == f) correct++;
        }
        return new FactorVaeResult((double)correct / evalVotes, train, active);
    }

    /// <summary>Bin index (0..bins−1) of each value, with equal bins over each dimension's own [min, max].</summary>
    public static int[] Discretize(ReadOnlySpan<float> codes, int latent, int bins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        int n = codes.Length / latent;
        var result = new int[codes.Length];
        for (int j = 0; j < latent; j++)
        {
            float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                lo = Math.Min(lo, codes[i * latent + j]);
                hi = Math.Max(hi, codes[i * latent + j]);
            }
            double width = (hi - (double)lo) / bins;
            for (int i = 0; i < n; i++)
                result[i * latent + j] =
                    width > 0 ? Math.Min(bins - 1, (int)((codes[i * latent + j] - lo) / width)) : 0;
        }
        return result;
    }

    /// <summary>H(a) in nats of a discrete variable with values 0..count−1 (empirical distribution).</summary>
    public static double Entropy(ReadOnlySpan<int> a, int count)
    {
        var c = new int[count];
        foreach (int v in a) c[v]++;
        double h = 0;
        foreach (int m in c) if (m > 0) { double p = (double)m / a.Length; h -= p * Math.Log(p); }
        return h;
    }

    /// <summary>I(a; b) in nats of two discrete variables (empirical joint distribution).</summary>
    public static double MutualInformation(ReadOnlySpan<int> a, int countA, ReadOnlySpan<int> b, int countB)
    {
        if (a.Length != b.Length) throw new ArgumentException("the two variables need as many samples");
        int n = a.Length;
        var joint = new int[countA * countB];
        var pa = new int[countA];
        var pb = new int[countB];
        for (int i = 0; i < n; i++) { joint[a[i] * countB + b[i]]++; pa[a[i]]++; pb[b[i]]++; }
        double mi = 0;
        for (int x = 0; x < countA; x++)
            for (int y = 0; y < countB; y++)
            {
                int m = joint[x * countB + y];
                if (m > 0) mi += (double)m / n * Math.Log((double)m * n / ((double)pa[x] * pb[y]));
            }
        return Math.Max(0, mi);
    }

    private static int Check(ReadOnlySpan<float> codes, int latent, ReadOnlySpan<int> levels, int factors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latent, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        if (codes.Length % latent != 0) throw new ArgumentException($"{codes.Length} values are not rows of {latent}");
        int n = codes.Length / latent;
        if (levels.Length != n * factors)
            throw new ArgumentException($"{levels.Length} factor levels for {n} codes of {factors} factors");
        if (n < 2) throw new ArgumentException("need at least two codes");
        return n;
    }
}
