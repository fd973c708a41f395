using Vae.Engine;

namespace Vae.Tests.Engine;

/// <summary>Central differences against the tape, for every op, on several random shape draws.</summary>
public class GradCheckTests
{
    // Tolerance: |analytic − numeric| ≤ 2e-3 + 2e-2·|numeric| per element (GradCheck explains why for float32).
    [TestCase(1UL), TestCase(2UL), TestCase(3UL), TestCase(4UL)]
    public void EveryOpMatchesCentralDifferences(ulong seed)
    {
        var results = GradCheck.CheckAllOps(seed);
        Assert.That(results, Has.Count.GreaterThanOrEqualTo(25));
        foreach (var r in results)
        {
            Assert.That(r.Checked, Is.GreaterThan(0), r.Name);
            Assert.That(r.Passed, Is.True,
                $"{r.Name}: max abs error {r.MaxAbsError:g3}, max rel error {r.MaxRelError:g3}");
        }
    }

    [Test]
    public void CheckerCatchesAWrongGradient()
    {
        // Make sure the checker can fail: a loss whose recorded gradient is deliberately not its derivative.
        var x = Tensor.FromArray([0.3f, -0.7f, 1.1f], 1, 3, requiresGrad: true);
        var result = GradCheck.Check("wrong", tape =>
        {
            var y = tape.Exp(x);                 // backward is exp(x)...
            var z = tape.Scale(y, 1f);
            // ...but the value is exp(x)² through a constant copy that the tape does not see.
            var copy = new Tensor(1, 3); y.Data.CopyTo(copy.Data);
            return tape.Sum(tape.Multiply(z, copy));
        }, [x]);
        Assert.That(result.Passed, Is.False);
    }
}
