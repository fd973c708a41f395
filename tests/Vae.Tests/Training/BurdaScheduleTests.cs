using Vae.Training;

namespace Vae.Tests.Training;

public class BurdaScheduleTests
{
    [Test]
    public void EightStagesOfThreeToTheIEpochsAddUpTo3280()
    {
        Assert.That(Enumerable.Range(0, 8).Select(BurdaSchedule.EpochsOfStage),
            Is.EqualTo(new[] { 1, 3, 9, 27, 81, 243, 729, 2187 }));
        Assert.That(Enumerable.Range(0, 8).Sum(BurdaSchedule.EpochsOfStage), Is.EqualTo(BurdaSchedule.TotalEpochs));
    }

    [Test]
    public void LearningRatesFallByTenOverSevenStages()
    {
        for (int i = 0; i < 8; i++)
            Assert.That(BurdaSchedule.LearningRateOfStage(i), Is.EqualTo(1e-3 * Math.Pow(10, -i / 7.0)).Within(1e-9));
        Assert.That(BurdaSchedule.LearningRateOfStage(7), Is.EqualTo(1e-4f).Within(1e-10));
    }

    [Test]
    public void EachEpochFallsInItsStage()
    {
        (int Epoch, int Stage)[] cases = [(1, 0), (2, 1), (4, 1), (5, 2), (13, 2), (14, 3), (40, 3), (41, 4), (121, 4),
            (122, 5), (364, 5), (365, 6), (1093, 6), (1094, 7), (3280, 7), (4000, 7)];
        foreach (var (epoch, stage) in cases)
            Assert.That(BurdaSchedule.StageOf(epoch), Is.EqualTo(stage), $"epoch {epoch}");
        Assert.That(BurdaSchedule.LearningRateAt(1), Is.EqualTo(1e-3f));
        Assert.That(BurdaSchedule.LearningRateAt(3280), Is.EqualTo(BurdaSchedule.LearningRateOfStage(7)));
    }
}
