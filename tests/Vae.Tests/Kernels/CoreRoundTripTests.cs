using Vae.Kernels;

namespace Vae.Tests.Kernels;

public class CoreRoundTripTests
{
    [Test]
    public void TwoCoresPassTheLineBackAndForth()
    {
        if (Environment.ProcessorCount < 2)
        {
            Assert.That(CoreRoundTrip.Nanoseconds(10), Is.Null, "one core: nothing to measure");
            return;
        }
        // Few passes and a long timeout: on a loaded machine the other thread may wait for a core.
        double? ns = CoreRoundTrip.Nanoseconds(200, TimeSpan.FromSeconds(60));
        Assert.That(ns, Is.Not.Null);
        Assert.That(ns!.Value, Is.GreaterThan(1).And.LessThan(60e9 / 200));
    }

    [Test]
    public void RefusesNoPasses() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CoreRoundTrip.Nanoseconds(0));

    // A timeout of 0 or less (Timeout.InfiniteTimeSpan among them) used to give up at the first check.
    [Test]
    public void RefusesATimeoutOfZeroOrLess()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CoreRoundTrip.Nanoseconds(10, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => CoreRoundTrip.Nanoseconds(10, Timeout.InfiniteTimeSpan));
    }

    [Test]
    public void AHugeTimeoutDoesNotOverflowIntoGivingUp()
    {
        if (Environment.ProcessorCount < 2) Assert.Ignore("one core");
        Assert.That(CoreRoundTrip.Nanoseconds(200, TimeSpan.MaxValue), Is.Not.Null);
    }

    /// <summary>The interleaving that hung: the echo has seen pass 0, the caller gives up on it and says stop, then
    /// the echo answers. It must still stop.</summary>
    [Test]
    public void TheEchoStopsAfterAnsweringAPassTheCallerGaveUpOn()
    {
        var line = new long[CoreRoundTrip.Length];
        line[CoreRoundTrip.At] = 1;     // pass 0, seen by the echo
        line[CoreRoundTrip.Stop] = 1;   // the caller gave up
        var echo = new Thread(() => CoreRoundTrip.Echo(line)) { IsBackground = true };
        echo.Start();
        Assert.That(echo.Join(TimeSpan.FromSeconds(30)), Is.True, "the echo stopped");
        Assert.That(line[CoreRoundTrip.At], Is.EqualTo(2), "it answered the pass first");
    }
}
