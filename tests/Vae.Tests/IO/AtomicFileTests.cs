using System.Text;
using Vae.IO;
using Vae.Tests.Data;
using Vae.Tests.Robustness;

namespace Vae.Tests.IO;

/// <summary>
/// The one safe writer (issue 9.1, 9.4, 9.8): temporary names within the file-name limit, a full disk reported as one
/// <see cref="OutputFileException"/> with the old file intact and no temporary file left, appends that never leave
/// half a line, and the stale temporary files of dead writers removed.
/// </summary>
[NonParallelizable]
public class AtomicFileTests
{
    [TestCase(1)]
    [TestCase(200)]
    [TestCase(255)]
    public void TheTemporaryNameStaysWithinTheLimit(int length)
    {
        string name = new string('é', length / 2) + new string('a', length % 2);   // 2-byte characters too
        string temp = AtomicFile.TemporaryName(name, int.MaxValue, int.MinValue);
        Assert.That(Encoding.UTF8.GetByteCount(temp), Is.LessThanOrEqualTo(AtomicFile.NameMax));
        Assert.That(temp, Does.StartWith(".").And.EndWith(".tmp"));
    }

    [Test]
    public void AFullDiskIsOneExceptionAndTheOldFileStays()
    {
        using var temp = new TempDir();
        string disk = temp.File("disk");
        using var mount = Nodes.SmallDisk(disk, 128);
        string file = Path.Combine(disk, "model.safetensors");
        var old = new byte[80_000];
        new Random(1).NextBytes(old);
        AtomicFile.WriteAllBytes(file, old);

        var e = Assert.Throws<OutputFileException>(() => AtomicFile.WriteAllBytes(file, new byte[80_000]))!;

        Assert.That(e.Refused, Is.False);
        Assert.That(e.Message, Does.StartWith(file + ": cannot be written: no space left on device")
            .And.Contain("previous model.safetensors is unchanged"));
        Assert.That(File.ReadAllBytes(file), Is.EqualTo(old));
        Assert.That(Directory.GetFiles(disk), Is.EqualTo(new[] { file }), "no temporary file left");
    }

    [Test]
    public void AFailedAppendLeavesNoHalfLine()
    {
        using var temp = new TempDir();
        string disk = temp.File("disk");
        using var mount = Nodes.SmallDisk(disk, 64);
        string csv = Path.Combine(disk, "metrics.csv");
        AtomicFile.Append(csv, "epoch,loss\n");
        string filler = Path.Combine(disk, "filler");
        try { File.WriteAllBytes(filler, new byte[200_000]); } catch (IOException) { }   // fills the disk

        Assert.Throws<OutputFileException>(() => AtomicFile.Append(csv, new string('1', 100_000) + "\n"));
        Assert.That(File.ReadAllText(csv), Is.EqualTo("epoch,loss\n"));
    }

    [Test]
    public void ALinkIsDescribedAsItIs()
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.File("t.txt"), "keep");
        File.CreateSymbolicLink(temp.File("lk"), "t.txt");   // relative, as ln -s writes it
        File.CreateSymbolicLink(temp.File("chain"), "lk");
        File.CreateSymbolicLink(temp.File("dangling"), "gone");

        string Refusal(string name) =>
            Assert.Throws<OutputFileException>(() => AtomicFile.CheckTarget(temp.File(name)))!.Message;
        Assert.That(Refusal("lk"), Does.Contain("is a symbolic link to 't.txt', a regular file;"));
        Assert.That(Refusal("chain"),
            Does.Contain($"is a symbolic link to 'lk' → '{temp.File("t.txt")}', a regular file;"));
        Assert.That(Refusal("dangling"), Does.Contain("is a symbolic link to 'gone', which does not exist;"));
        Assert.That(File.ReadAllText(temp.File("t.txt")), Is.EqualTo("keep"));
    }

    [Test]
    public void OnlyDeadWritersTemporaryFilesAreRemoved()
    {
        using var temp = new TempDir();
        int dead = Nodes.DeadPid();
        string stale = temp.File($".a.png.{dead}.00000001.tmp");
        string live = temp.File($".a.png.{Environment.ProcessId}.00000001.tmp");
        string staleFolder = temp.File($".b.png.{dead}.00000002.tmp");
        File.WriteAllText(stale, "");
        File.WriteAllText(live, "");
        Directory.CreateDirectory(staleFolder);

        Assert.That(AtomicFile.RemoveStale(temp.Path), Is.EqualTo(new[] { Path.GetFileName(stale) }));
        Assert.That(File.Exists(live) && Directory.Exists(staleFolder), Is.True);
    }
}
