using System.Text;
using Vae.Engine;

using Vae.Analysis;

namespace Vae.Lecture;

/// <summary>
/// The computation graph a tape recorded (lecture, "VAE computation graph"), in Graphviz DOT: one node per op with
/// its output shape, one leaf per tensor that no op produced (parameters by name, inputs such as x and ε), and an
/// edge for every input an op read. Backward visits exactly these op nodes, in reverse recording order.
/// </summary>
public static class ComputationGraph
{
    /// <summary>DOT text of the recorded ops; <paramref name="loss"/> (if given) is highlighted.</summary>
    public static string ToDot(Tape tape, string title, Tensor? loss = null)
    {
        var nodes = tape.Nodes.ToList();
        var producer = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < nodes.Count; i++) producer[nodes[i].Out] = i;
        var leaves = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);

        var sb = new StringBuilder();
        sb.Append("digraph step {\n");
        sb.Append("  rankdir=TB;\n");
        sb.Append("  label=").Append(Quote(title)).Append("; labelloc=t; fontname=\"Helvetica\";\n");
        sb.Append("  node [fontname=\"Helvetica\", fontsize=10];\n");
        // Leaves first, so every edge's source is declared before use.
        foreach (var node in nodes)
            foreach (var input in node.Inputs)
                if (!producer.ContainsKey(input) && !leaves.ContainsKey(input))
                {
                    int k = leaves.Count;
                    leaves[input] = k;
                    bool parameter = input.RequiresGrad;
                    string name = input.Name.Length > 0 ? input.Name : "const";
                    sb.Append("  l").Append(k).Append(" [label=").Append(Quote($"{name}\n{input.ShapeString}"))
                      .Append(parameter ? ", shape=box, style=filled, fillcolor=\"#cfe2f3\"" : ", shape=box, style=\"rounded,filled\", fillcolor=\"#eeeeee\"")
                      .Append("];\n");
                }
        for (int i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            bool isLoss = loss != null && ReferenceEquals(node.Out, loss);
            string label = $"{node.Name}{node.ParamsText}\n{node.Out.ShapeString}";
            sb.Append("  n").Append(i).Append(" [label=").Append(Quote(label))
              .Append(isLoss ? ", shape=doubleoctagon, style=filled, fillcolor=\"#f4cccc\"" : ", shape=ellipse")
              .Append("];\n");
        }
        for (int i = 0; i < nodes.Count; i++)
            foreach (var input in nodes[i].Inputs)
                sb.Append("  ").Append(producer.TryGetValue(input, out int from) ? $"n{from}" : $"l{leaves[input]}")
                  .Append(" -> n").Append(i).Append(";\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";
}
