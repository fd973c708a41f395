using Vae.Cli;
using Vae.Cli.Runs;
using Vae.Tests.Data;
using Child = Vae.Tests.Robustness.InterruptTests.Child;

namespace Vae.Tests.Robustness;

/// <summary>
/// Issue 9.12 and 9.18 with real processes: a second 'vae train' on a run folder another one holds exits 2 naming the
/// holder's PID (the lock is the kernel's, released even by SIGKILL); SIGINT and SIGTERM end every command with the
/// same exit code, 130.
/// </summary>
[NonParallelizable]
public class LockAndSignalTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public void ASecondTrainOnAHeldFolderNamesTheHolder()
    {
        using var temp = new TempDir();
        string run = temp.File("run");
        Directory.CreateDirectory(run);
        using (new RunFolder(run).AcquireLock())
        {
            var r = CliRun.Run(CliRun.Tiny(run, "--epochs", "1"));
            Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
            Assert.That(r.ErrLines, Has.Length.EqualTo(1), r.ToString());
            Assert.That(r.Err, Does.Contain($"PID {Environment.ProcessId}"), r.ToString());
            Assert.That(File.Exists(Path.Combine(run, "metrics.csv")), Is.False, "the second run wrote nothing");
        }
        Assert.That(CliRun.Run(CliRun.Tiny(run, "--epochs", "1")).Code, Is.EqualTo(ExitCodes.Ok), "free once released");
    }

    [Test]
    public void TheLockOfAKilledTrainIsReleased()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("sends POSIX signals");
        using var temp = new TempDir();
        string run = temp.File("run");
        string lockFile = Path.Combine(run, "run.lock");
        using (var child = new Child("train", "--data", TestPaths.Slice, "--out", run, "--epochs", "1000",
                   "--hidden", "16", "--latent", "3", "--batch-size", "10", "--threads", "1"))
        {
            child.WaitUntil(() => RunLock.ReadHolder(lockFile) == child.Process.Id
                && File.Exists(Path.Combine(run, "metrics.csv")),
                "the child to hold the lock");
            var r = CliRun.Run("train", "--out", run, "--resume", "--epochs", "2", "--data", TestPaths.Slice);
            Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
            Assert.That(r.Err, Does.Contain($"PID {child.Process.Id}"), r.ToString());
            child.Signal(9);
            child.WaitForExit(Patience);
        }
        using var again = new RunFolder(run).AcquireLock();   // SIGKILL ran no code of ours, yet the lock is free
        Assert.That(RunLock.ReadHolder(lockFile), Is.EqualTo(Environment.ProcessId));
    }

    [TestCase(2)]
    [TestCase(15)]
    public void ASignalEndsAnyCommandWith130(int signal)
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("sends POSIX signals");
        using var temp = new TempDir();
        string run = temp.File("run");
        Assert.That(CliRun.Run(CliRun.Tiny(run, "--epochs", "1")).Code, Is.EqualTo(ExitCodes.Ok));
        using var child = new Child("eval", "--checkpoint", Path.Combine(run, "model.safetensors"), "--data",
            TestPaths.Slice,
            "--iwae", "20000", "--threads", "1");
        child.WaitUntil(() => child.Out.Contains("test loss"), "the importance sampling to start");
        child.Signal(signal);
        int exit = child.WaitForExit(Patience);
        Assert.That(exit, Is.EqualTo(ExitCodes.Interrupted), child.ToString());
        Assert.That(child.Err, Does.Contain("vae eval: interrupted"), child.ToString());
    }
}
