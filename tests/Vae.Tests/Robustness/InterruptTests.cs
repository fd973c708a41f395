using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Vae.Cli;
using Vae.Model;
using Vae.Tests.Data;

namespace Vae.Tests.Robustness;

/// <summary>
/// Issue 5.7 with a real child process: SIGINT or SIGTERM during 'vae train' finishes the step, writes resume.safetensors
/// and the metrics so far, says where they are and exits 130; '--resume' then finishes the run; a second SIGINT ends
/// the process at once. Every wait is bounded, so a hang fails the test instead of blocking the suite.
/// </summary>
[NonParallelizable]
public class InterruptTests
{
    private const int SigInt = 2, SigTerm = 15;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    /// <summary>The built CLI: the test project references Vae.Cli, so vae.dll sits next to the test assembly.</summary>
    internal static string VaeDll => Path.Combine(TestContext.CurrentContext.TestDirectory, "vae.dll");

    internal sealed class Child : IDisposable
    {
        public Process Process { get; }
        private readonly StringBuilder _out = new(), _err = new();

        public Child(params string[] args)
        {
            // 'env --default-signal' gives the child the default SIGINT disposition: a test runner started from a
            // script's background job inherits "SIGINT ignored", which .NET (like any program) would keep.
            var psi = new ProcessStartInfo("env")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("--default-signal");
            psi.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
            psi.ArgumentList.Add(VaeDll);
            foreach (var a in args) psi.ArgumentList.Add(a);
            Process = new Process { StartInfo = psi };
            Process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_out) _out.AppendLine(e.Data); };
            Process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_err) _err.AppendLine(e.Data); };
            Process.Start();
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public string Out { get { lock (_out) return _out.ToString(); } }
        public string Err { get { lock (_err) return _err.ToString(); } }

        public void Signal(int sig) => Assert.That(kill(Process.Id, sig), Is.Zero, $"kill({Process.Id}, {sig})");

        public void WaitUntil(Func<bool> condition, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (Process.HasExited) Assert.Fail($"the child exited ({Process.ExitCode}) before {what}\n{this}");
                if (clock.Elapsed > Patience) Assert.Fail($"timed out waiting for {what}\n{this}");
                Thread.Sleep(20);
            }
        }

        public int WaitForExit(TimeSpan limit)
        {
            if (!Process.WaitForExit(limit)) Assert.Fail($"the child did not exit within {limit.TotalSeconds} s\n{this}");
            Process.WaitForExit();   // drains the output readers
            return Process.ExitCode;
        }

        public override string ToString() => $"--- stdout\n{Out}\n--- stderr\n{Err}";

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }

    private static int MetricsRows(string run)
    {
        string csv = Path.Combine(run, "metrics.csv");
        if (!File.Exists(csv)) return 0;
        using var reader = new StreamReader(new FileStream(csv, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
    }

    [TestCase(SigInt)]
    [TestCase(SigTerm)]
    public void SignalSavesExits130AndResumeFinishes(int signal)
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("sends POSIX signals through libc and 'env --default-signal'");
        using var temp = new TempDir();
        string run = temp.File("run");
        int exit;
        string output;
        using (var child = new Child("train", "--data", TestPaths.Slice, "--out", run, "--epochs", "500", "--hidden", "16",
                   "--latent", "3", "--batch-size", "10", "--threads", "1"))
        {
            child.WaitUntil(() => MetricsRows(run) >= 1, "the first epoch's metrics");
            child.Signal(signal);
            exit = child.WaitForExit(Patience);
            output = child.ToString();
        }

        Assert.That(exit, Is.EqualTo(ExitCodes.Interrupted), output);
        Assert.That(output, Does.Contain(Path.Combine(run, "resume.safetensors")).And.Contain("--resume"));
        var saved = Checkpoint.Load(Path.Combine(run, "resume.safetensors"));
        Assert.That(saved.State, Is.Not.Null, "resume.safetensors holds the training position");
        Assert.That(saved.Optimizer, Is.Not.Null);
        int done = saved.State!.Epoch;
        Assert.That(done, Is.GreaterThanOrEqualTo(1).And.LessThan(500), output);
        Assert.That(MetricsRows(run), Is.EqualTo(done), "metrics.csv has exactly the finished epochs");
        Assert.That(Checkpoint.Load(Path.Combine(run, "model.safetensors")).Metadata["epoch"], Is.EqualTo(done.ToString()));

        var resumed = CliRun.Run("train", "--out", run, "--resume", "--epochs", (done + 1).ToString(), "--data", TestPaths.Slice, "--threads", "1");
        Assert.That(resumed.Code, Is.EqualTo(ExitCodes.Ok), resumed.ToString());
        var rows = CliRun.LossRows(Path.Combine(run, "metrics.csv"));
        Assert.That(rows.Select(r => r["epoch"]), Is.EqualTo(Enumerable.Range(1, done + 1).Select(e => e.ToString())));
    }

    [Test]
    public void SecondInterruptExitsAtOnce()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("sends POSIX signals through libc and 'env --default-signal'");
        using var temp = new TempDir();
        string run = temp.File("run");
        // A model big enough that one step (all 300 digits at once) takes a good fraction of a second, so the second
        // signal arrives while the first is still waiting for the step to end.
        using var child = new Child("train", "--data", TestPaths.Slice, "--out", run, "--epochs", "50", "--hidden", "4000",
            "--latent", "3", "--batch-size", "300", "--threads", "1");
        child.WaitUntil(() => child.Out.Contains("parameters"), "training to start");
        Thread.Sleep(300);
        child.Signal(SigInt);
        child.WaitUntil(() => child.Err.Contains("Ctrl-C again"), "the first interrupt to be acknowledged");
        child.Signal(SigInt);
        var clock = Stopwatch.StartNew();
        int exit = child.WaitForExit(TimeSpan.FromSeconds(20));

        Assert.That(exit, Is.Not.EqualTo(ExitCodes.Ok), child.ToString());
        Assert.That(child.Out, Does.Not.Contain("interrupted in epoch"), "the second Ctrl-C does not wait to save\n" + child);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }
}
