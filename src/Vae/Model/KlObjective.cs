namespace Vae.Model;

/// <summary>
/// How the KL term enters one step's loss (the model builds the loss; the trainer picks the objective per step):
/// <list type="bullet">
/// <item>β-weighted (Higgins et al. 2017; the lecture's β-VAE): loss = mean over the batch of recon + β·KL.
/// β = 1 is the negative ELBO; β &gt; 1 squeezes the latent bottleneck, which encourages disentanglement.</item>
/// <item>capacity (Burgess et al. 2018, "Understanding disentangling in β-VAE", eq. 8):
/// loss = mean recon + γ·|mean KL − C|. Instead of pushing the KL to 0, it holds it near a target C (nats) that
/// the schedule raises during training, so the code gains information a little at a time.</item>
/// </list>
/// </summary>
public readonly record struct KlObjective(float Beta, bool HasCapacity, float Capacity, float Gamma)
{
    /// <summary>recon + β·KL.</summary>
    public static KlObjective Weighted(float beta) => new(beta, false, 0f, 0f);

    /// <summary>recon + γ·|KL − C| with KL the batch mean.</summary>
    public static KlObjective CapacityTarget(float capacity, float gamma) => new(0f, true, capacity, gamma);

    public override string ToString() => HasCapacity ? $"γ·|KL − {Capacity:G4}| (γ {Gamma:G4})" : $"β {Beta:G4}";
}
