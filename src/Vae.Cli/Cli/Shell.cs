namespace Vae.Cli;

/// <summary>Command lines printed for the user to paste back into a POSIX shell.</summary>
public static class Shell
{
    /// <summary>The word as the shell must see it: unchanged when plain, else in single quotes.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:,@%".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";
}
