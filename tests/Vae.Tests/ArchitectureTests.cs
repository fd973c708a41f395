using System.Text.RegularExpressions;

namespace Vae.Tests;

/// <summary>
/// The library's folders depend one way only (docs/architecture.md): a file may use its own folder and the folders
/// below it, never one above. Read from the sources, so a new "using" that points upwards fails here.
/// </summary>
public class ArchitectureTests
{
    /// <summary>Layer of each folder (= namespace) of src/Vae; the leaves (IO, Imaging, Reporting) sit at the bottom.</summary>
    private static readonly Dictionary<string, int> Layer = new()
    {
        ["IO"] = 0, ["Imaging"] = 1, ["Reporting"] = 1, ["Kernels"] = 0,
        ["Engine"] = 2, ["Nn"] = 3, ["Model"] = 4, ["Objectives"] = 5, ["Data"] = 6,
        ["Analysis"] = 7, ["Training"] = 8, ["Lecture"] = 9,
    };

    // using Vae.X; Vae.X.Y; or X.Y written inside Vae (Model and Data are left out of the last form: they are also
    // common property names, e.g. tensor.Data).
    private static readonly Regex Reference = new(
        @"(?:^using (?:static )?Vae\.(\w+)|\bVae\.(\w+)\.|(?<![\w.])(" +
        string.Join('|', Layer.Keys.Where(k => k is not ("Model" or "Data"))) + @")\.[A-Z])",
        RegexOptions.Multiline);

    public static IEnumerable<string> Folders() => Layer.Keys;

    /// <summary>The folders named in <paramref name="source"/> (by using, or by qualified name).</summary>
    public static IEnumerable<string> Uses(string source) =>
        Reference.Matches(source).Select(m => m.Groups.Cast<Group>().Skip(1).First(g => g.Success).Value)
            .Where(Layer.ContainsKey).Distinct();

    /// <summary>The source without its comment lines: a comment may name the code that calls this one.</summary>
    public static string Code(string source) =>
        string.Join('\n', source.Split('\n').Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)));

    [TestCaseSource(nameof(Folders))]
    public void FolderUsesOnlyFoldersBelowIt(string folder)
    {
        string dir = Path.Combine(TestPaths.Repo, "src", "Vae", folder);
        Assert.That(Directory.Exists(dir), Is.True, dir);
        var upward = new List<string>();
        foreach (var file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories))
            foreach (var used in Uses(Code(File.ReadAllText(file))))
                if (Layer[used] > Layer[folder]) upward.Add($"{Path.GetFileName(file)} uses {used}");
        Assert.That(upward, Is.Empty, $"{folder} may use only folders at or below layer {Layer[folder]}");
    }

    [Test]
    public void EveryFolderOfTheLibraryHasALayer()
    {
        var folders = Directory.EnumerateDirectories(Path.Combine(TestPaths.Repo, "src", "Vae"))
            .Select(Path.GetFileName).Where(n => n is not ("bin" or "obj")).ToArray();
        Assert.That(folders, Is.EquivalentTo(Layer.Keys));
    }

    [Test]
    public void TheCheckSeesAnUpwardReference()
    {
        Assert.That(Uses("using Vae.Training;\nnamespace Vae.Model;"), Is.EquivalentTo(new[] { "Training" }));
        Assert.That(Uses("var c = Lecture.LatentCodes.Encode(m);"), Is.EquivalentTo(new[] { "Lecture" }));
        Assert.That(Uses("new Vae.Analysis.Evaluator()"), Is.EquivalentTo(new[] { "Analysis" }));
        Assert.That(Uses("x.Data.Length; Data.Slice(0); Model.Forward(t)"), Is.Empty, "member access is not a folder");
    }
}
