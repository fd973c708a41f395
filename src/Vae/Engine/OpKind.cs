using System.Globalization;

namespace Vae.Engine;

/// <summary>Every op the tape can record (one per public method of <see cref="Ops"/>).</summary>
public enum OpKind
{
    Add, Subtract, Multiply, Scale, AddScalar,
    Relu, Sigmoid, Tanh, Exp, Log, Softplus, Clamp, Abs,
    MatMul, AddBias, Linear,
    BceWithLogits, GaussianNll, SquaredError, KlStandardNormal, Reparameterize,
    Sum, Mean, SumRows, MeanRows, LogSumExpRows,
    RepeatRows, Reshape,
}

public static class OpKinds
{
    private static readonly string[] Names = Enum.GetValues<OpKind>().Select(SnakeCase).ToArray();

    /// <summary>The op's name in graphs and tensor names: its kind in snake_case, e.g. "bce_with_logits".</summary>
    public static string Name(OpKind kind) => Names[(int)kind];

    private static string SnakeCase(OpKind kind)
    {
        string pascal = kind == OpKind.MatMul ? "Matmul" : kind.ToString();
        return string.Concat(pascal.Select((ch, i) => char.IsUpper(ch) && i > 0 ? "_" + char.ToLowerInvariant(ch)
            : char.ToLowerInvariant(ch).ToString()));
    }
}

/// <summary>The constants an op records beside its inputs; each kind of op has its own small struct.</summary>
public interface IOpParams
{
    /// <summary>The constants as a graph shows them, or "".</summary>
    string Describe();
}

/// <summary>For ops without constants.</summary>
public readonly record struct NoParams : IOpParams
{
    public string Describe() => "";
}

/// <summary>MatMul: whether A and B are stored transposed.</summary>
public readonly record struct MatMulParams(bool TransA, bool TransB) : IOpParams
{
    public string Describe() => (TransA ? " Aᵀ" : "") + (TransB ? " Bᵀ" : "");
}

/// <summary>Scale's factor, and the 1 or 1/n of Sum, Mean, SumRows and MeanRows.</summary>
public readonly record struct FactorParams(float Factor) : IOpParams
{
    public string Describe() => " ×" + Factor.ToString("G4", CultureInfo.InvariantCulture);
}

/// <summary>AddScalar's constant term.</summary>
public readonly record struct TermParams(float Term) : IOpParams
{
    public string Describe() => " +" + Term.ToString("G4", CultureInfo.InvariantCulture);
}

/// <summary>RepeatRows: how many times each row is repeated.</summary>
public readonly record struct RepeatParams(int Copies) : IOpParams
{
    public string Describe() => $" ×{Copies}";
}

/// <summary>Clamp's bounds.</summary>
public readonly record struct ClampParams(float Lo, float Hi) : IOpParams
{
    public string Describe() =>
        $" [{Lo.ToString("G4", CultureInfo.InvariantCulture)}, {Hi.ToString("G4", CultureInfo.InvariantCulture)}]";
}
