using Vae.Kernels;

namespace Vae.Engine;

/// <summary>Add, subtract, multiply (elementwise, same shapes), scale by a constant and add a constant.</summary>
public static partial class Ops
{
    /// <summary>a + b. a (R,C), b (R,C) → (R,C).</summary>
    public static Tensor Add(this Tape tape, Tensor a, Tensor b)
    {
        CheckSameShape("Add", a, b);
        var node = tape.Record(OpKind.Add, AddBackward, a.Rows, a.Cols, a, b);
        Elementwise.Map<AddOp>(a.Data, b.Data, node.Out.Data);
        return node.Out;
    }

    // da += dy;  db += dy.
    private static readonly BackwardFn<NoParams> AddBackward = static node =>
    {
        if (node.A!.RequiresGrad) Elementwise.Accumulate<IdentityOp>(node.Out.Grad, 1f, node.A.Grad);
        if (node.B!.RequiresGrad) Elementwise.Accumulate<IdentityOp>(node.Out.Grad, 1f, node.B.Grad);
    };

    /// <summary>a − b. a (R,C), b (R,C) → (R,C).</summary>
    public static Tensor Subtract(this Tape tape, Tensor a, Tensor b)
    {
        CheckSameShape("Subtract", a, b);
        var node = tape.Record(OpKind.Subtract, SubtractBackward, a.Rows, a.Cols, a, b);
        Elementwise.Map<SubtractOp>(a.Data, b.Data, node.Out.Data);
        return node.Out;
    }

    // da += dy;  db −= dy.
    private static readonly BackwardFn<NoParams> SubtractBackward = static node =>
    {
        if (node.A!.RequiresGrad) Elementwise.Accumulate<IdentityOp>(node.Out.Grad, 1f, node.A.Grad);
        if (node.B!.RequiresGrad) Elementwise.Accumulate<IdentityOp>(node.Out.Grad, -1f, node.B.Grad);
    };

    /// <summary>a ⊙ b (elementwise). a (R,C), b (R,C) → (R,C).</summary>
    public static Tensor Multiply(this Tape tape, Tensor a, Tensor b)
    {
        CheckSameShape("Multiply", a, b);
        var node = tape.Record(OpKind.Multiply, MultiplyBackward, a.Rows, a.Cols, a, b);
        Elementwise.Map<MultiplyOp>(a.Data, b.Data, node.Out.Data);
        return node.Out;
    }

    // da += dy ⊙ b;  db += dy ⊙ a.  (When a and b are the same tensor both terms land in it: d(a²) = 2a·dy.)
    private static readonly BackwardFn<NoParams> MultiplyBackward = static node =>
    {
        if (node.A!.RequiresGrad) Elementwise.Accumulate<MultiplyOp>(node.Out.Grad, node.B!.Data, 1f, node.A.Grad);
        if (node.B!.RequiresGrad) Elementwise.Accumulate<MultiplyOp>(node.Out.Grad, node.A.Data, 1f, node.B.Grad);
    };

    /// <summary>s · x for a constant s. x (R,C) → (R,C).</summary>
    public static Tensor Scale(this Tape tape, Tensor x, float s)
    {
        var node = tape.Record(OpKind.Scale, ScaleBackward, x.Rows, x.Cols, new FactorParams(s), x);
        Elementwise.Map<MultiplyOp>(x.Data, Broadcast(s, node.Out.Data), node.Out.Data);
        return node.Out;
    }

    // dx += s · dy.
    private static readonly BackwardFn<FactorParams> ScaleBackward = static node =>
    {
        if (node.A!.RequiresGrad) Elementwise.Accumulate<IdentityOp>(node.Out.Grad, node.Params.Factor, node.A.Grad);
    };

    /// <summary>x + c for a constant c (e.g. a target subtracted from a scalar). x (R,C) → (R,C).</summary>
    public static Tensor AddScalar(this Tape tape, Tensor x, float c)
    {
        var node = tape.Record(OpKind.AddScalar, AddScalarBackward, x.Rows, x.Cols, new TermParams(c), x);
        Elementwise.Map<AddOp>(x.Data, Broadcast(c, node.Out.Data), node.Out.Data);
        return node.Out;
    }

    // dx += dy.
    private static readonly BackwardFn<TermParams> AddScalarBackward = static node =>
    {
        if (node.A!.RequiresGrad) Elementwise.Accumulate<IdentityOp>(node.Out.Grad, 1f, node.A.Grad);
    };

    /// <summary>Fills dest with s and returns it (so a scalar can feed a binary kernel without a scratch
    /// buffer).</summary>
    private static Span<float> Broadcast(float s, Span<float> dest)
    {
        dest.Fill(s);
        return dest;
    }

    private static void CheckSameShape(string op, Tensor a, Tensor b)
    {
        if (a.Rows != b.Rows || a.Cols != b.Cols)
            throw new ArgumentException($"{op}: shapes differ: {a} and {b}");
    }
}
