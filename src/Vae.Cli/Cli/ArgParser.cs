using System.Globalization;
using System.Text;

namespace Vae.Cli;

/// <summary>
/// A small option parser: each command declares its options (name, default, help) up front, so that
/// <c>--help</c> is generated from the same table that parsing uses and can never disagree with it.
/// Accepted forms: <c>--name value</c>, <c>--name=value</c>, and <c>--flag</c> for booleans.
/// </summary>
public sealed class ArgParser
{
    private sealed record OptionSpec(string Name, string? Default, string Help, bool IsFlag, string ValueName);

    private readonly string _command;
    private readonly string _summary;
    private readonly List<OptionSpec> _options = new();
    private readonly List<string> _positionalNames = new();
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly List<string> _positionals = new();

    public ArgParser(string command, string summary)
    {
        _command = command;
        _summary = summary;
        Flag("help", "show this help and exit");
    }

    /// <summary>Declares <c>--name VALUE</c>. A null default means "not set unless given".</summary>
    public ArgParser Option(string name, string? defaultValue, string help, string valueName = "VALUE")
    {
        _options.Add(new OptionSpec(name, defaultValue, help, false, valueName));
        return this;
    }

    public ArgParser Flag(string name, string help)
    {
        _options.Add(new OptionSpec(name, null, help, true, ""));
        return this;
    }

    /// <summary>Declares a positional argument (only for help text; read them with <see cref="Positionals"/>).</summary>
    public ArgParser Positional(string name)
    {
        _positionalNames.Add(name);
        return this;
    }

    public IReadOnlyList<string> Positionals => _positionals;

    /// <summary>Parses the arguments; returns false when --help was asked for (the caller prints <see cref="Help"/>).</summary>
    public bool Parse(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                if (arg.StartsWith('-') && arg.Length > 1 && !IsNumber(arg))
                    throw new UsageException($"unknown option '{arg}' for '{_command}'");
                if (_positionals.Count >= _positionalNames.Count)
                    throw new UsageException($"unexpected argument '{arg}' for '{_command}'");
                _positionals.Add(arg);
                continue;
            }
            string name = arg[2..];
            string? inline = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { inline = name[(eq + 1)..]; name = name[..eq]; }
            var opt = _options.Find(o => o.Name == name)
                ?? throw new UsageException($"unknown option '--{name}' for '{_command}'");
            if (opt.IsFlag)
            {
                if (inline != null) throw new UsageException($"option '--{name}' takes no value");
                _flags.Add(name);
                continue;
            }
            if (inline == null)
            {
                if (i + 1 >= args.Count || (args[i + 1].StartsWith("--", StringComparison.Ordinal)))
                    throw new UsageException($"option '--{name}' needs a value ({opt.ValueName})");
                inline = args[++i];
            }
            if (inline.Length == 0)   // an empty path or number is never meant: "--out ''" from an unset variable
                throw new UsageException($"option '--{name}' needs a value ({opt.ValueName}), got an empty string");
            _values[name] = inline;
        }
        return !_flags.Contains("help");
    }

    private static bool IsNumber(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private OptionSpec Find(string name) => _options.Find(o => o.Name == name)
        ?? throw new InvalidOperationException($"option --{name} was not declared for {_command}");

    /// <summary>True when the command declares an option of this name (given or not).</summary>
    public bool Declares(string name) => _options.Exists(o => o.Name == name);

    public bool Has(string name) => _values.ContainsKey(name) || _flags.Contains(name);

    /// <summary>The names of the options given on the command line (values and flags).</summary>
    public IEnumerable<string> Given => _values.Keys.Concat(_flags);

    public bool GetFlag(string name) { Find(name); return _flags.Contains(name); }

    public string? GetString(string name) => _values.TryGetValue(name, out var v) ? v : Find(name).Default;

    public string GetRequiredString(string name) =>
        GetString(name) ?? throw new UsageException($"option '--{name}' is required for '{_command}'");

    public int GetInt(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        string s = GetRequiredString(name);
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new UsageException($"option '--{name}' expects a whole number, got '{s}'");
        if (v < min || v > max)
            throw new UsageException($"option '--{name}' must be {Range(min, max)}, got {v}");
        return v;
    }

    public double GetDouble(string name, double min = double.NegativeInfinity, double max = double.PositiveInfinity,
        bool minExclusive = false)
    {
        string s = GetRequiredString(name);
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new UsageException($"option '--{name}' expects a number, got '{s}'");
        if (v < min || v > max || (minExclusive && v == min))
            throw new UsageException($"option '--{name}' must be {Range(min, max, minExclusive)}, got {s}");
        return v;
    }

    /// <summary>A comma-separated list of whole numbers, e.g. <c>--hidden 512,256</c>.</summary>
    public int[] GetIntList(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        string s = GetRequiredString(name);
        var parts = s.Split(',', StringSplitOptions.TrimEntries);
        var result = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out result[i]))
                throw new UsageException($"option '--{name}' expects a comma-separated list of whole numbers, got '{s}'");
            if (result[i] < min || result[i] > max)
                throw new UsageException($"option '--{name}': every value must be {Range(min, max)}, got {result[i]}");
        }
        return result;
    }

    /// <summary>One of a fixed set of words, e.g. <c>--activation relu|tanh</c>.</summary>
    public string GetChoice(string name, params string[] choices)
    {
        string s = GetRequiredString(name);
        if (Array.IndexOf(choices, s) < 0)
            throw new UsageException($"option '--{name}' must be one of {string.Join(", ", choices)}, got '{s}'");
        return s;
    }

    private static string Range(double min, double max, bool minExclusive = false)
    {
        var inv = CultureInfo.InvariantCulture;
        bool noMin = min is double.NegativeInfinity or int.MinValue,
            noMax = max is double.PositiveInfinity or int.MaxValue;
        string low = $"{(minExclusive ? ">" : ">=")} {min.ToString(inv)}";
        return (noMin, noMax) switch
        {
            (true, true) => "any value",
            (false, true) => low,
            (true, false) => $"<= {max.ToString(inv)}",
            _ when minExclusive => $"{low} and <= {max.ToString(inv)}",
            _ => $"between {min.ToString(inv)} and {max.ToString(inv)}",
        };
    }

    public string Help()
    {
        var sb = new StringBuilder();
        sb.Append("usage: vae ").Append(_command);
        foreach (var p in _positionalNames) sb.Append(' ').Append(p);
        sb.Append(" [options]\n\n").Append(_summary).Append("\n\noptions:\n");
        int width = _options.Max(o => o.Name.Length + (o.IsFlag ? 0 : o.ValueName.Length + 1)) + 4;
        foreach (var o in _options)
        {
            string left = o.IsFlag ? $"--{o.Name}" : $"--{o.Name} {o.ValueName}";
            sb.Append("  ").Append(left.PadRight(width)).Append(o.Help);
            if (o.Default != null) sb.Append(" (default: ").Append(o.Default).Append(')');
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
