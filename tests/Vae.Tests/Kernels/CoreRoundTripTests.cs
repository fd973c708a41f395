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
}
