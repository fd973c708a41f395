using Vae.IO;

namespace Vae.Objectives;

/// <summary>The objectives a run can name. Adding one is one class and one line here.</summary>
public static class ObjectiveRegistry
{
    private static readonly Dictionary<string, Func<IReadOnlyDictionary<string, string>, IObjective>> Readers = new()
    {
        [ElboObjective.Id] = ElboObjective.FromMetadata,
        [ClassifierObjective.Id] = ClassifierObjective.FromMetadata,
        [IwaeObjective.Id] = IwaeObjective.FromMetadata,
        [IwaeObjective.AveragedElboId] = IwaeObjective.FromMetadata,
    };

    public static IReadOnlyList<string> Names => Readers.Keys.ToArray();

    /// <summary>The objective as checkpoint metadata: its name under <c>objective</c>, then its settings.</summary>
    public static Dictionary<string, string> ToMetadata(IObjective objective)
    {
        var m = objective.ToMetadata();
        m["objective"] = objective.Name;
        return m;
    }

    /// <summary>The objective a checkpoint names; FormatException for an unknown name or a bad setting.</summary>
    public static IObjective FromMetadata(IReadOnlyDictionary<string, string> m)
    {
        string name = Metadata.Get(m, "objective");
        return Readers.TryGetValue(name, out var read) ? read(m)
            : throw new FormatException($"unknown objective '{name}' (known: {string.Join(", ", Names)})");
    }
}
