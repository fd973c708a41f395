using System.Reflection;
using System.Text.RegularExpressions;
using Vae.Cli;

namespace Vae.Tests.Robustness;

/// <summary>README's exit-code table and <see cref="ExitCodes"/> list the same codes, and so does 'vae --help'.</summary>
public class ExitCodeTableTests
{
    private static int[] Codes() => typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (int)f.GetValue(null)!).Order().ToArray();

    [Test]
    public void ReadmeListsEveryExitCode()
    {
        string? dir = TestContext.CurrentContext.TestDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "README.md"))) dir = Path.GetDirectoryName(dir);
        if (dir == null) Assert.Ignore("README.md is not above the test folder");
        string readme = File.ReadAllText(Path.Combine(dir, "README.md"));
        int start = readme.IndexOf("## Exit codes", StringComparison.Ordinal);
        string table = readme[start..readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal)];
        var listed = Regex.Matches(table, @"^\| (\d+) \|", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value));
        Assert.That(listed.Order().ToArray(), Is.EqualTo(Codes()));
    }

    [Test]
    public void HelpListsEveryExitCode()
    {
        string help = Dispatcher.MainHelp();
        foreach (int code in Codes()) Assert.That(help, Does.Contain($" {code} "), $"exit code {code}");
    }
}
