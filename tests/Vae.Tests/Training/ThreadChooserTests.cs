using Vae.Data;
using Vae.Kernels;
using Vae.Model;
using Vae.Training;

namespace Vae.Tests.Training;

/// <summary><see cref="ThreadChooser"/>: which thread count it keeps, and that switching never changes the
/// numbers.</summary>
public class ThreadChooserTests
{
    /// <summary>Feeds the chooser steps that take <paramref name="allTicks"/> on all threads and
    /// <paramref name="oneTicks"/> on one; returns the thread counts it asked for.</summary>
    private static List<int> Drive(ThreadChooser chooser, int steps, long allTicks, long oneTicks, int all)
    {
        var asked = new List<int>();
        for (int i = 0; i < steps; i++)
        {
            int t = chooser.Next;
            asked.Add(t);
            chooser.Record(t == all ? allTicks : oneTicks);
        }
        return asked;
    }

    private const int BlockSteps = ThreadChooser.BlockSteps;
    private const int Probe = 4 * BlockSteps;

    [Test]
    public void KeepsOneThreadWhenItsStepsAreFaster()
    {
        var chooser = new ThreadChooser(2, firstProbe: 0);
        var asked = Drive(chooser, Probe + ThreadChooser.RunSteps, allTicks: 1000, oneTicks: 900, all: 2);
        // The probe: all · one · one · all, a block each.
        Assert.That(asked.Take(Probe), Is.EqualTo(
            Enumerable.Repeat(2, 8).Concat(Enumerable.Repeat(1, 16)).Concat(Enumerable.Repeat(2, 8))));
        Assert.That(asked.Skip(Probe), Is.All.EqualTo(1));
        Assert.That((chooser.Probes, chooser.ProbesChoosingOne), Is.EqualTo((1, 1)));
        Assert.That(chooser.StepsOnOne, Is.EqualTo(16 + ThreadChooser.RunSteps));
        // Then it times both again, and follows the machine when two threads become the faster.
        asked = Drive(chooser, Probe + 10, allTicks: 500, oneTicks: 900, all: 2);
        Assert.That(asked.Take(ThreadChooser.BlockSteps), Is.All.EqualTo(2));
        Assert.That(asked.Skip(Probe), Is.All.EqualTo(2));
        Assert.That((chooser.Probes, chooser.ProbesChoosingOne), Is.EqualTo((2, 1)));
    }

    [TestCase(1000, 990)]   // one thread 1% faster: within the margin, all threads stay
    [TestCase(1000, 1500)]
    public void KeepsAllThreadsUnlessOneIsClearlyFaster(long allTicks, long oneTicks)
    {
        var chooser = new ThreadChooser(2, firstProbe: 0);
        var asked = Drive(chooser, Probe + 100, allTicks, oneTicks, all: 2);
        Assert.That(asked.Skip(Probe), Is.All.EqualTo(2));
        Assert.That(chooser.ProbesChoosingOne, Is.Zero);
    }

    [Test]
    public void TheFirstStepOfABlockIsNotCounted()
    {
        // One thread is faster in every step but the first of each of its blocks, which pays for moving the data.
        var chooser = new ThreadChooser(2, firstProbe: 0);
        for (int i = 0; i < Probe; i++)
        {
            bool first = i % ThreadChooser.BlockSteps == 0;
            chooser.Record(chooser.Next == 2 ? 1000 : first ? 1_000_000 : 900);
        }
        Assert.That(chooser.Next, Is.EqualTo(1));
    }

    [Test]
    public void OneSlowStepDoesNotSwayIt()
    {
        // One thread is faster in every timed step but one, which took a thousand times as long (an interrupt).
        var chooser = new ThreadChooser(2, firstProbe: 0);
        for (int i = 0; i < Probe; i++)
            chooser.Record(chooser.Next == 2 ? 1000 : i == 10 ? 1_000_000 : 900);
        Assert.That(chooser.Next, Is.EqualTo(1));
    }

    [Test]
    public void TheFirstProbeWaitsForTheWarmUp()
    {
        var chooser = new ThreadChooser(2);
        var asked = Drive(chooser, ThreadChooser.FirstProbe + Probe + 5, allTicks: 1000, oneTicks: 500, all: 2);
        Assert.That(asked.Take(ThreadChooser.FirstProbe), Is.All.EqualTo(2));
        Assert.That(asked.Skip(ThreadChooser.FirstProbe + BlockSteps).Take(1), Is.EqualTo(new[] { 1 }),
            "the probe's second block");
        Assert.That(asked.Skip(ThreadChooser.FirstProbe + Probe), Is.All.EqualTo(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadChooser(2, ThreadChooser.RunSteps + 1));
    }

    [Test]
    public void OneThreadNeverProbes()
    {
        var chooser = new ThreadChooser(1, firstProbe: 0);
        var asked = Drive(chooser, 100, allTicks: 1000, oneTicks: 1000, all: 1);
        Assert.That(asked, Is.All.EqualTo(1));
        Assert.That(chooser.Probes, Is.Zero);
    }

    /// <summary>The paper's model at its batch of 20 (products large enough for two threads), three epochs of the
    /// slice: 45 steps, the first 32 of them the chooser's probe, switching between 2 threads and 1.</summary>
    private static (float[] Weights, float[] M, float[] V, ThreadChooser? Choice) Train(int threads, bool adapt)
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        train = train.WithDynamicBinarization(5);
        var model = new VaeModel(new VaeConfig { Hidden = [200, 200], Latent = 50, Activation = Activation.Tanh });
        var options = new TrainOptions { BatchSize = 20, Threads = threads, Seed = 4, AdaptThreads = adapt };
        var trainer = new Trainer(model, options, train.Count);
        if (adapt) trainer.ThreadChoice = new ThreadChooser(threads, firstProbe: 0);   // 45 steps: probe at once
        for (int e = 0; e < 3; e++) trainer.RunEpoch(train);
        return (model.Parameters.Values.ToArray(), trainer.Optimizer.M.ToArray(), trainer.Optimizer.V.ToArray(),
            trainer.ThreadChoice);
    }

    [Test]
    public void SwitchingThreadsMidRunGivesTheBitsOfFixedThreads()
    {
        long claimedBefore = Gemm.ClaimedCalls;
        var adaptive = Train(threads: 2, adapt: true);
        Assert.That(Gemm.ClaimedCalls, Is.GreaterThan(claimedBefore), "some products ran on two threads");
        Assert.That(adaptive.Choice, Is.Not.Null);
        Assert.That(adaptive.Choice!.Steps, Is.EqualTo(45));
        Assert.That(adaptive.Choice.StepsOnOne, Is.GreaterThanOrEqualTo(2 * ThreadChooser.BlockSteps),
            "the probe ran steps on one thread");
        var one = Train(threads: 1, adapt: false);
        var two = Train(threads: 2, adapt: false);
        Assert.That(two.Choice, Is.Null);
        Assert.That(adaptive.Weights, Is.EqualTo(one.Weights));
        Assert.That(adaptive.Weights, Is.EqualTo(two.Weights));
        Assert.That(adaptive.M, Is.EqualTo(one.M));
        Assert.That(adaptive.V, Is.EqualTo(one.V));
    }
}
