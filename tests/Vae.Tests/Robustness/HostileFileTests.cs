using System.Text;
using Vae.Cli;
using Vae.Cli.Commands;
using Vae.Data;
using Vae.IO;
using Vae.Model;
using Vae.Training;
using Vae.Tests.Data;

namespace Vae.Tests.Robustness;

/// <summary>
/// Issue 9, as a hostile user tried it: special files where inputs and outputs go (FIFOs, devices made with mknod,
/// links to /dev/zero, dangling links, folders), empty paths, names at the length limit, data files that hold nothing,
/// checkpoints holding NaN, outputs that are the command's own inputs. Each is one line on stderr, the documented exit
/// code, no stack trace, no hang, and nothing that was there replaced.
/// </summary>
[NonParallelizable]
public class HostileFileTests
{
    private TempDir _temp = null!;
    private string _run = null!, _checkpoint = null!;

    [OneTimeSetUp]
    public void TrainATinyModel()
    {
        _temp = new TempDir();
        _run = _temp.File("run");
        var r = CliRun.Run(CliRun.Tiny(_run, "--epochs", "1"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        _checkpoint = Path.Combine(_run, "model.safetensors");
    }

    [OneTimeTearDown]
    public void Cleanup() => _temp.Dispose();

    private static void AssertOneLine(CliResult r, int code, params string[] fragments)
    {
        Assert.That(r.Code, Is.EqualTo(code), r.ToString());
        Assert.That(r.ErrLines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(r.Err, Does.Not.Contain("   at "), "no stack trace");
        foreach (var f in fragments) Assert.That(r.Err, Does.Contain(f), r.ToString());
    }

    /// <summary>A fresh copy of the slice in its own folder, to spoil.</summary>
    private string CopyOfSlice(TempDir temp, string name = "data")
    {
        string data = temp.File(name);
        Directory.CreateDirectory(data);
        foreach (var f in Directory.GetFiles(TestPaths.Slice)) File.Copy(f, Path.Combine(data, Path.GetFileName(f)));
        return data;
    }

    private static void ReplaceRaw(string data, string name, byte[] bytes)
    {
        File.Delete(Path.Combine(data, name + ".gz"));
        File.WriteAllBytes(Path.Combine(data, name), bytes);
    }

    // ---- 3. IDX files that hold nothing ----

    [TestCase(Mnist.TrainImages, "holds 0 images")]
    [TestCase(Mnist.TestImages, "holds 0 images")]
    public void AnImageFileOfZeroImagesIsExit2NamingIt(string name, string problem)
    {
        using var temp = new TempDir();
        string data = CopyOfSlice(temp);
        ReplaceRaw(data, name, Idx.Encode([0, 28, 28], []));
        ReplaceRaw(data, name == Mnist.TrainImages ? Mnist.TrainLabels : Mnist.TestLabels, Idx.Encode([0], []));
        var r = CliRun.Run(CliRun.Tiny(temp.File("out"), "--data", data, "--epochs", "1"));
        AssertOneLine(r, ExitCodes.BadInput, name, problem);
        Assert.That(File.Exists(Path.Combine(temp.File("out"), "metrics.csv")), Is.False, "nothing was trained");
    }

    // ---- 4. empty paths, long names, run entries that are folders ----

    public static IEnumerable<TestCaseData> EmptyValues()
    {
        yield return new TestCaseData((object)new[] { "train", "--out", "" }).SetArgDisplayNames("train --out ''");
        yield return new TestCaseData((object)new[] { "train", "--data", "" }).SetArgDisplayNames("train --data ''");
        yield return new TestCaseData((object)new[] { "sample", "--checkpoint", "x", "--out", "" })
            .SetArgDisplayNames("sample --out ''");
        yield return new TestCaseData((object)new[] { "fetch-mnist", "--data=" })
            .SetArgDisplayNames("fetch-mnist --data=");
    }

    [TestCaseSource(nameof(EmptyValues))]
    public void AnEmptyPathIsOneLine(string[] args) =>
        AssertOneLine(CliRun.Run(args), ExitCodes.BadInput, "empty string", "--help");

    [TestCase(236)]
    [TestCase(255)]
    public void AnOutputNameAtTheLengthLimitIsWritten(int length)
    {
        using var temp = new TempDir();
        string name = new string('a', length - 4) + ".png";
        var r = CliRun.Run("sample", "--checkpoint", _checkpoint, "--out", temp.File(name), "--n", "4");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        Assert.That(File.Exists(temp.File(name)), Is.True);
        Assert.That(Directory.GetFiles(temp.Path), Has.Length.EqualTo(1), "no temporary file left");
    }

    [Test]
    public void AnOutputNameOverTheLimitIsRefusedBeforeWork()
    {
        using var temp = new TempDir();
        string name = new string('b', 300) + ".png";
        AssertOneLine(CliRun.Run("sample", "--checkpoint", _checkpoint, "--out", temp.File(name)), ExitCodes.BadInput,
            "file name is 304 bytes long");
    }

    [TestCase("metrics.csv")]
    [TestCase("report.html")]
    [TestCase("reconstruction_1.png")]
    [TestCase("resume.safetensors")]
    public void ARunFileThatIsAFolderIsRefusedBeforeTraining(string entry)
    {
        using var temp = new TempDir();
        string run = temp.File("run");
        Directory.CreateDirectory(Path.Combine(run, entry));
        var r = CliRun.Run(CliRun.Tiny(run, "--epochs", "1"));
        AssertOneLine(r, ExitCodes.BadInput, Path.Combine(run, entry), "is a folder");
        Assert.That(Directory.Exists(Path.Combine(run, entry)), Is.True);
        Assert.That(File.Exists(Path.Combine(run, "model.safetensors")), Is.False, "refused before any epoch");
    }

    // ---- 6 and 16. only regular files are read; what it is instead, said correctly ----

    public static IEnumerable<TestCaseData> SpecialInputs()
    {
        TestCaseData Case(string why, string expected, Func<string, string> make) =>
            new TestCaseData(make, expected).SetArgDisplayNames(why);
        yield return Case("FIFO", "is a FIFO (named pipe)", p => Nodes.Fifo(p));
        yield return Case("link to /dev/zero", "is a symbolic link to '/dev/zero', a character device",
            p => Nodes.Link(p, "/dev/zero"));
        yield return Case("link to /dev/urandom", "is a symbolic link to '/dev/urandom', a character device",
            p => Nodes.Link(p, "/dev/urandom"));
        yield return Case("zero device made here", "is a character device", p => Nodes.CharDevice(p, minor: 5));
        yield return Case("dangling link", "which does not exist", p => Nodes.Link(p, p + ".gone"));
        yield return Case("link to a folder", "a folder",
            p => { Directory.CreateDirectory(p + ".d"); return Nodes.Link(p, p + ".d"); });
    }

    [TestCaseSource(nameof(SpecialInputs))]
    public void ASpecialFileAsCheckpointIsOneLine(Func<string, string> make, string expected)
    {
        using var temp = new TempDir();
        string checkpoint = make(temp.File("x.safetensors"));
        foreach (var command in new[] { "eval", "sample" })
        {
            var args = command == "eval"
                ? new[] { "eval", "--checkpoint", checkpoint, "--data", TestPaths.Slice }
                : new[] { "sample", "--checkpoint", checkpoint, "--out", temp.File("s.png") };
            AssertOneLine(CliRun.Run(args), ExitCodes.BadInput, checkpoint, expected);
        }
    }

    [TestCaseSource(nameof(SpecialInputs))]
    public void ASpecialFileAsDataIsOneLine(Func<string, string> make, string expected)
    {
        using var temp = new TempDir();
        string data = CopyOfSlice(temp);
        File.Delete(Path.Combine(data, Mnist.TestLabels + ".gz"));
        string bad = make(Path.Combine(data, Mnist.TestLabels));
        AssertOneLine(CliRun.Run(CliRun.Tiny(temp.File("out"), "--data", data, "--epochs", "1")), ExitCodes.BadInput,
            bad, expected);
    }

    [TestCaseSource(nameof(SpecialInputs))]
    public void ASpecialFileAsTheDataFolderIsOneLine(Func<string, string> make, string expected)
    {
        using var temp = new TempDir();
        string data = make(temp.File("data"));
        if (expected == "a folder") return;   // a link to a folder is a fine data folder
        foreach (var command in new[] { "fetch", "fetch-mnist" })
            AssertOneLine(CliRun.Run(command, "--data", data), ExitCodes.BadInput, data, "it must be a folder");
        AssertOneLine(CliRun.Run(CliRun.Tiny(temp.File("out"), "--data", data, "--epochs", "1")), ExitCodes.BadInput,
            data, "it must be a folder");
    }

    [Test]
    public void AMissingFolderInsideTheDataFolderIsRefusedNotFetchedInto()
    {
        using var temp = new TempDir();
        string data = CopyOfSlice(temp);
        string slip = Path.Combine(data, "mnist");   // a folder's name typed once too often
        Assert.That(Directory.Exists(slip) || File.Exists(slip), Is.False);
        AssertOneLine(CliRun.Run(CliRun.Tiny(temp.File("out"), "--data", slip, "--epochs", "1")), ExitCodes.BadInput,
            slip, "its parent folder");
        Assert.That(Directory.Exists(slip), Is.False, "nothing was created or fetched");
    }

    [Test]
    public void EvalOnFilesTheModelDidNotTrainOnSaysSoAndStillEvaluates()
    {
        using var temp = new TempDir();
        string data = CopyOfSlice(temp);
        var same = CliRun.Run("eval", "--checkpoint", _checkpoint, "--data", data, "--threads", "1");
        Assert.That(same.Code, Is.EqualTo(ExitCodes.Ok), same.ToString());
        Assert.That(same.Err, Does.Not.Contain("note:"), same.ToString());

        var (train, _) = Mnist.Load(TestPaths.Slice);
        ReplaceRaw(data, Mnist.TrainLabels, Idx.Encode([train.Count], new byte[train.Count]));   // every label 0
        var other = CliRun.Run("eval", "--checkpoint", _checkpoint, "--data", data, "--threads", "1");
        Assert.That(other.Code, Is.EqualTo(ExitCodes.Ok), other.ToString());
        Assert.That(other.Err, Does.Contain("note: the run trained on other images").And.Contain(data), other.ToString());
        Assert.That(other.Out, Does.Contain("test loss"), "evaluated all the same");
    }

    [Test]
    public void ALinkToARegularCheckpointIsRead()
    {
        using var temp = new TempDir();
        string link = Nodes.Link(temp.File("link.safetensors"), _checkpoint);
        var r = CliRun.Run("eval", "--checkpoint", link, "--data", TestPaths.Slice, "--threads", "1");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
    }

    // ---- 8 and 16. never replace what is not a regular file ----

    public static IEnumerable<TestCaseData> SpecialOutputs()
    {
        TestCaseData Case(string why, string expected, Func<string, string> make) =>
            new TestCaseData(make, expected).SetArgDisplayNames(why);
        yield return Case("character device made by mknod", "is a character device", p => Nodes.CharDevice(p));
        yield return Case("FIFO", "is a FIFO (named pipe)", p => Nodes.Fifo(p));
        yield return Case("folder", "is a folder", p => Directory.CreateDirectory(p).FullName);
        yield return Case("link to a file", "does not write through links", p =>
        {
            File.WriteAllText(p + ".target", "keep me");
            return Nodes.Link(p, p + ".target");
        });
        yield return Case("dangling link", "which does not exist", p => Nodes.Link(p, p + ".gone"));
    }

    private static FileKind KindOf(string path) => FileEntry.Of(path, followLinks: false).Kind;

    [TestCaseSource(nameof(SpecialOutputs))]
    public void ASpecialFileAtAnOutputIsLeftAlone(Func<string, string> make, string expected)
    {
        using var temp = new TempDir();
        string output = make(temp.File("out.png"));
        var kind = KindOf(output);
        AssertOneLine(CliRun.Run("sample", "--checkpoint", _checkpoint, "--out", output), ExitCodes.BadInput, output,
            expected);
        Assert.That(KindOf(output), Is.EqualTo(kind), "still what it was");
        if (File.Exists(output + ".target")) Assert.That(File.ReadAllText(output + ".target"), Is.EqualTo("keep me"));
    }

    [TestCaseSource(nameof(SpecialOutputs))]
    public void ASpecialFileInTheRunFolderIsLeftAlone(Func<string, string> make, string expected)
    {
        using var temp = new TempDir();
        string run = temp.File("run");
        Directory.CreateDirectory(run);
        string entry = make(Path.Combine(run, "sample_1.png"));
        var kind = KindOf(entry);
        AssertOneLine(CliRun.Run(CliRun.Tiny(run, "--epochs", "1")), ExitCodes.BadInput, entry, expected);
        Assert.That(KindOf(entry), Is.EqualTo(kind));
    }

    [Test]
    public void TheLibraryWriterRefusesADeviceAndLeavesNoTemporaryFile()
    {
        using var temp = new TempDir();
        string device = Nodes.CharDevice(temp.File("nul"));
        var e = Assert.Throws<OutputFileException>(() => AtomicFile.WriteAllBytes(device, [1, 2, 3]))!;
        Assert.That(e.Refused, Is.True);
        Assert.That(KindOf(device), Is.EqualTo(FileKind.CharacterDevice));
        Assert.That(Directory.GetFileSystemEntries(temp.Path), Has.Length.EqualTo(1));
    }

    // ---- 9. an output that is one of the command's inputs ----

    [Test]
    public void SampleOverItsOwnCheckpointIsRefused()
    {
        using var temp = new TempDir();
        string checkpoint = temp.File("model.safetensors");
        File.Copy(_checkpoint, checkpoint);
        byte[] before = File.ReadAllBytes(checkpoint);
        AssertOneLine(CliRun.Run("sample", "--checkpoint", checkpoint, "--out", checkpoint), ExitCodes.BadInput,
            "is the input file");
        Assert.That(File.ReadAllBytes(checkpoint), Is.EqualTo(before));
    }

    [Test]
    public void ReconstructOverADataFileThroughALinkIsRefused()
    {
        using var temp = new TempDir();
        string data = CopyOfSlice(temp);
        string target = Path.Combine(data, Mnist.TestImages + ".gz");
        string link = Nodes.Link(temp.File("pic.png"), target);
        byte[] before = File.ReadAllBytes(target);
        var r = CliRun.Run("reconstruct", "--checkpoint", _checkpoint, "--data", data, "--out", link);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
        Assert.That(File.ReadAllBytes(target), Is.EqualTo(before));
    }

    // ---- 13. non-finite weights ----

    [TestCase("fc4.bias", float.NaN)]
    [TestCase("fc1.weight", float.PositiveInfinity)]
    public void ANonFiniteWeightIsRejectedNamingTheTensor(string tensor, float value)
    {
        using var temp = new TempDir();
        var file = SafeTensors.Read(_checkpoint);
        var tensors = file.Tensors.Select(t =>
        {
            var data = (float[])t.Data.Clone();
            if (t.Name == tensor) data[data.Length / 2] = value;
            return (t.Name, t.Shape, (ReadOnlyMemory<float>)data);
        }).ToList();
        string bad = temp.File("bad.safetensors");
        SafeTensors.Write(bad, tensors, file.Metadata);
        AssertOneLine(CliRun.Run("eval", "--checkpoint", bad, "--data", TestPaths.Slice), ExitCodes.BadInput,
            $"tensor '{tensor}'");
        AssertOneLine(CliRun.Run("sample", "--checkpoint", bad, "--out", temp.File("s.png")), ExitCodes.BadInput,
            "must be finite");
        Assert.That(File.Exists(temp.File("s.png")), Is.False);
    }

    // ---- 15. the real range ----

    [Test]
    public void AnOutOfRangeValueSaysTheRealRange()
    {
        AssertOneLine(CliRun.Run("train", "--lr", "1e30"), ExitCodes.BadInput, "must be > 0 and <= 10, got 1e30");
        AssertOneLine(CliRun.Run("traverse", "--checkpoint", _checkpoint, "--range", "1e38"), ExitCodes.BadInput,
            "must be > 0 and <= 1000, got 1e38");
    }

    // ---- 7. a progress line, and a note when the work is absurd ----

    [Test]
    public void ImportanceSamplingShowsProgressAndWarnsOfLongWork()
    {
        var r = CliRun.Capture(() => new EvalCommand { LongWork = TimeSpan.Zero }.Run(
            ["--checkpoint", _checkpoint, "--data", TestPaths.Slice, "--iwae", "100", "--threads", "1"]));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        Assert.That(r.Out, Does.Match(@"importance sampling \(K = 100\): images \d+/200  ETA \d+:\d\d"), r.ToString());
        Assert.That(r.Err, Does.Contain("note: K = 100 over 200 images will take about"), r.ToString());
    }

    // ---- 17. the "continue with:" line resumes exactly ----

    [Test]
    public void TheContinueHintNamesDataAndThreads()
    {
        using var temp = new TempDir();
        int steps = 0;
        string run = temp.File("my run");
        var command = new TrainCommand { StopWhen = () => ++steps > 2 };
        var r = CliRun.Capture(() => command.Run(CliRun.Tiny(run, "--epochs", "2")[1..]));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Interrupted), r.ToString());
        string hint = r.Out.Split('\n').Single(l => l.StartsWith("continue with:", StringComparison.Ordinal)).Trim();
        Assert.That(hint,
            Is.EqualTo($"continue with: vae train --out '{run}' --resume --epochs 2 " +
                $"--data {TestPaths.Slice} --threads 2"));
    }

    [Test]
    public void TheContinueHintKeepsFixedThreadsAndItResumes()
    {
        using var temp = new TempDir();
        int steps = 0;
        string run = temp.File("run");
        var r = CliRun.Capture(() => new TrainCommand { StopWhen = () => ++steps > 2 }.Run(
            CliRun.Tiny(run, "--epochs", "2", "--fixed-threads")[1..]));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Interrupted), r.ToString());
        Assert.That(r.Out, Does.Not.Contain("or one, when"), "a fixed run does not announce the choice");
        string hint = r.Out.Split('\n').Single(l => l.StartsWith("continue with:", StringComparison.Ordinal)).Trim();
        Assert.That(hint, Does.EndWith("--threads 2 --fixed-threads"));
        var resumed = CliRun.Run("train", "--out", run, "--resume", "--epochs", "2", "--data", TestPaths.Slice,
            "--threads", "2", "--fixed-threads");
        Assert.That(resumed.Code, Is.EqualTo(ExitCodes.Ok), resumed.ToString());
        Assert.That(resumed.Out, Does.Not.Contain("timings found it faster"));
    }

    [Test]
    public void AnAdaptiveRunSaysHowOftenOneThreadWasFaster()
    {
        // 300 steps an epoch at batch 1: the chooser's first probe (after 1,000 steps, 32 long) ends in epoch 4.
        using var temp = new TempDir();
        var r = CliRun.Run("train", "--data", TestPaths.Slice, "--out", temp.File("run"), "--hidden", "16",
            "--latent", "3", "--batch-size", "1", "--threads", "2", "--epochs", "4");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        Assert.That(r.Out, Does.Contain("2 threads (or one, when its steps time faster)"), r.ToString());
        Assert.That(r.Out, Does.Match(@"threads: \d+% of this session's steps ran on one thread \([01] of 1 timings"),
            r.ToString());
    }

    // ---- 5. resuming a --resample-latent run on data of another size ----

    [Test]
    public void ResumingAResampledRunOnOtherSizedDataIsOneLine()
    {
        using var temp = new TempDir();
        string run = temp.File("run");
        int steps = 0;
        var stopped = CliRun.Capture(() => new TrainCommand { StopWhen = () => ++steps > 2 }.Run(
            CliRun.Tiny(run, "--epochs", "2", "--resample-latent")[1..]));
        Assert.That(stopped.Code, Is.EqualTo(ExitCodes.Interrupted), stopped.ToString());

        string data = CopyOfSlice(temp);   // 250 of the 300 training digits
        var images = Idx.ReadImages(Path.Combine(data, Mnist.TrainImages + ".gz"), 28, 28).Data;
        var labels = Idx.ReadLabels(Path.Combine(data, Mnist.TrainLabels + ".gz"), 10).Data;
        ReplaceRaw(data, Mnist.TrainImages, Idx.Encode([250, 28, 28], images.AsSpan(0, 250 * 784)));
        ReplaceRaw(data, Mnist.TrainLabels, Idx.Encode([250], labels.AsSpan(0, 250)));

        var r = CliRun.Run("train", "--out", run, "--resume", "--epochs", "2", "--data", data, "--threads", "2");
        AssertOneLine(r, ExitCodes.BadInput, "resume.safetensors", "300", "250");
    }

    // ---- 11. a new run does not replace an earlier one ----

    [Test]
    public void ANewRunIntoAnExistingOneIsRefusedUnlessOverwrite()
    {
        using var temp = new TempDir();
        string run = temp.File("run");
        Assert.That(CliRun.Run(CliRun.Tiny(run, "--epochs", "2")).Code, Is.EqualTo(ExitCodes.Ok));
        File.WriteAllText(Path.Combine(run, "notes.txt"), "mine");
        byte[] metrics = File.ReadAllBytes(Path.Combine(run, "metrics.csv"));

        AssertOneLine(CliRun.Run(CliRun.Tiny(run, "--epochs", "1", "--seed", "8")), ExitCodes.BadInput,
            "already holds a run", "--resume", "--overwrite");
        Assert.That(File.ReadAllBytes(Path.Combine(run, "metrics.csv")), Is.EqualTo(metrics));

        var r = CliRun.Run(CliRun.Tiny(run, "--epochs", "1", "--overwrite"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        Assert.That(CliRun.LossRows(Path.Combine(run, "metrics.csv")), Has.Count.EqualTo(1));
        Assert.That(File.Exists(Path.Combine(run, "sample_2.png")), Is.False, "the old run's files are gone");
        Assert.That(File.ReadAllText(Path.Combine(run, "notes.txt")), Is.EqualTo("mine"), "other files stay");
    }

    // ---- 18. temporary files a killed vae left are removed at the next start ----

    [Test]
    public void StaleTemporaryFilesOfADeadProcessAreRemoved()
    {
        using var temp = new TempDir();
        int dead = Nodes.DeadPid();
        string stale = temp.File($".model.safetensors.{dead}.0badcafe.tmp");
        string live = temp.File($".model.safetensors.{Environment.ProcessId}.0badcafe.tmp");
        string unrelated = temp.File(".notes.tmp");
        foreach (var f in new[] { stale, live, unrelated }) File.WriteAllText(f, "x");

        var r = CliRun.Run("sample", "--checkpoint", _checkpoint, "--out", temp.File("s.png"), "--n", "4");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        Assert.That(File.Exists(stale), Is.False, "left by a dead process");
        Assert.That(File.Exists(live), Is.True, "a live writer's file is not touched");
        Assert.That(File.Exists(unrelated), Is.True, "not named like ours");
        Assert.That(r.Out, Does.Contain("removed 1 temporary file"));
    }

    [Test]
    public void MnistNotFoundIsSaidOnce()
    {
        using var temp = new TempDir();
        string? before = Environment.GetEnvironmentVariable("VAE_MNIST_MIRROR");
        Environment.SetEnvironmentVariable("VAE_MNIST_MIRROR", "http://127.0.0.1:1/");   // refused at once, no network
        try
        {
            var r = CliRun.Run(CliRun.Tiny(temp.File("out"), "--data", temp.File("empty"), "--epochs", "1"));
            Assert.That(r.Code, Is.EqualTo(ExitCodes.Failed), r.ToString());
            Assert.That(r.Out.Split('\n').Count(l => l.Contains("not found", StringComparison.Ordinal)), Is.EqualTo(1),
                r.ToString());
        }
        finally { Environment.SetEnvironmentVariable("VAE_MNIST_MIRROR", before); }
    }

    // ---- 10. a folder of someone else's files is not filled with MNIST ----

    [Test]
    public void TrainNeverReplacesForeignDataFiles()
    {
        using var temp = new TempDir();
        string data = temp.File("mine");
        Directory.CreateDirectory(data);
        var mine = new Dictionary<string, byte[]>();
        foreach (var name in Mnist.FileNames.Take(3))
        {
            mine[name] = Idx.Encode(name.Contains("images") ? [2, 28, 28] : [2],
                new byte[name.Contains("images") ? 2 * 784 : 2]);
            File.WriteAllBytes(Path.Combine(data, name), mine[name]);
        }
        string? before = Environment.GetEnvironmentVariable("VAE_MNIST_MIRROR");
        Environment.SetEnvironmentVariable("VAE_MNIST_MIRROR", "http://127.0.0.1:1/");
        try
        {
            AssertOneLine(CliRun.Run(CliRun.Tiny(temp.File("out"), "--data", data, "--epochs", "1")),
                ExitCodes.BadInput,
                "is not an MNIST file", "--force");
            AssertOneLine(CliRun.Run("fetch-mnist", "--data", data), ExitCodes.BadInput, "is not an MNIST file");
        }
        finally { Environment.SetEnvironmentVariable("VAE_MNIST_MIRROR", before); }
        foreach (var (name, bytes) in mine)
            Assert.That(File.ReadAllBytes(Path.Combine(data, name)), Is.EqualTo(bytes), name);
        Assert.That(Directory.GetFiles(data), Has.Length.EqualTo(3));
    }

    // ---- 2. model sizes beyond an array or the machine ----

    public static IEnumerable<TestCaseData> HugeModels()
    {
        TestCaseData Case(string expected, params string[] args) =>
            new TestCaseData(args, expected).SetArgDisplayNames(string.Join(' ', args));
        yield return Case("one array can hold", "train", "--hidden", "50000,50000");
        yield return Case("at batch 128 (evaluated 1,000 images at a time)", "train", "--hidden", "50000,50000");
        yield return Case("one array can hold", "train", "--hidden", "100000", "--batch-size", "60000");
        yield return Case("one array can hold", "compare-latents", "--hidden", "50000,50000");
        yield return Case("one array can hold", "graph", "--hidden", "50000,50000");
        yield return Case("one array can hold", "bench train", "--hidden", "50000,50000");
        yield return Case("K = 100000 samples per image", "train", "--objective", "iwae", "--k", "100000");
        yield return Case("K = 100000 samples per image", "bench train", "--k", "100000");
        yield return Case("GiB of memory to train; this process may use",
            "train", "--hidden", string.Join(',', Enumerable.Repeat("30000", 40)));
    }

    [TestCaseSource(nameof(HugeModels))]
    public void AModelTooLargeIsRefusedUpFront(string[] args, string expected)
    {
        using var temp = new TempDir();
        string[] where = args[0] == "bench train" ? [] : ["--out", temp.File(args[0] == "train" ? "out" : "o")];
        string[] command = args[0] == "bench train" ? ["bench", "train", .. args[1..]] : [.. args, .. where];
        var r = CliRun.Run(command);
        AssertOneLine(r, ExitCodes.BadInput, expected, "parameters");
    }

    [TestCase(new[] { 400 }, 20, ModelKind.Vae)]
    [TestCase(new[] { 512, 256 }, 7, ModelKind.Ae)]
    public void TheFootprintCountsTheModelsParameters(int[] hidden, int latent, ModelKind kind)
    {
        var config = new VaeConfig { Hidden = hidden, Latent = latent, Kind = kind };
        Assert.That(config.Footprint(128).Parameters, Is.EqualTo(new VaeModel(config).Parameters.Count));
    }

    [Test]
    public void TheFootprintCountsTheDecoderOnKRowsPerImage()
    {
        var config = new VaeConfig { Hidden = [200, 200], Latent = 50 };
        var one = config.Footprint(20);
        var five = config.Footprint(20, samples: 5);
        Assert.That(five.Parameters, Is.EqualTo(one.Parameters));
        Assert.That(five.LargestTensor, Is.EqualTo(200.0 * 784), "W of the first layer, larger than 20·K rows");
        Assert.That(config.Footprint(1000, samples: 5).LargestTensor, Is.EqualTo(5000.0 * 784), "the decoder's output");
        // K − 1 more rows of every decoder layer (200, 200, 784 outputs, twice each: before and after the activation,
        // then their gradients) and of ε, z and the repeated input: 4 bytes · 2 · 20 · 4 · (2·1184 + 2·50 + 784).
        Assert.That(five.Bytes - one.Bytes, Is.EqualTo(4.0 * 2 * 20 * 4 * (2 * 1184 + 2 * 50 + 784)));
    }

    internal static string Text(byte[] b) => Encoding.UTF8.GetString(b);
}

/// <summary>Issue 9.1 end to end: 'vae train' on a disk that fills up.</summary>
[NonParallelizable]
public class DiskFullTests
{
    [Test]
    public void TrainOnAFullDiskIsOneLineExit4AndKeepsTheLastCheckpoint()
    {
        using var temp = new TempDir();
        string disk = temp.File("disk");
        using var mount = Nodes.SmallDisk(disk, 900);   // an epoch's files take 620 KiB; a second resume needs 316 more
        string run = Path.Combine(disk, "run");

        var r = CliRun.Run(CliRun.Tiny(run, "--epochs", "5"));

        Assert.That(r.Code, Is.EqualTo(ExitCodes.WriteFailed), r.ToString());
        Assert.That(r.ErrLines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(r.Err, Does.Contain(run).And.Contain("no space left on device").And.Contain("is unchanged"),
            r.ToString());
        Assert.That(Directory.GetFiles(run, ".*.tmp"), Is.Empty, "no temporary file left");
        var saved = Checkpoint.Load(Path.Combine(run, "resume.safetensors"));
        Assert.That(saved.State!.Epoch, Is.GreaterThanOrEqualTo(1), "the last good checkpoint loads");
    }
}
