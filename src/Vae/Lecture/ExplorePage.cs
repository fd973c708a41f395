using System.Globalization;
using System.Text;
using Vae.Analysis;
using Vae.Model;

namespace Vae.Lecture;

/// <summary>
/// A live latent explorer on one self-contained HTML page: the decoder's weights are embedded (base64 float32,
/// little-endian) and run by a few lines of plain JavaScript, so moving a slider per latent dimension redraws the
/// decoded image at once. For 2-D models a pad over the scatter of the test codes decodes the pointer position; a
/// button loads the μ of a random test image (shown beside its decode; the page opens on test image 0). No external
/// file, font or network access.
/// <para>The decoder script is the element <c>&lt;script id="vae-decoder"&gt;</c>; it defines
/// <c>vaeDecode(z)</c> → Float64Array of pixels in [0, 1] and touches no DOM, so <c>node</c> can run it as it
/// is.</para>
/// </summary>
public static class ExplorePage
{
    /// <summary>What the page shows next to the decoder: test codes, their labels and a few test images.</summary>
    /// <param name="Mu">μ of the test images, Count × Latent.</param>
    /// <param name="Labels">label of each test image (colours the scatter).</param>
    /// <param name="Images">the first ImageCount test images, bytes, Side × Side each.</param>
    /// <param name="Score">average KL (or variance of μ) per dimension, to label the sliders.</param>
    public sealed record Codes(float[] Mu, byte[] Labels, byte[] Images, int ImageCount, double[] Score,
        string ScoreName);

    /// <summary>The first <paramref name="count"/> codes and labels, and the first <paramref name="images"/> images
    /// of <paramref name="data"/> (side × side bytes each).</summary>
    public static Codes Take(LatentCodes codes, ReadOnlySpan<byte> data, int side, int count = 2000, int images = 200)
    {
        count = Math.Min(count, codes.Count);
        images = Math.Min(images, count);
        return new Codes(codes.Mu.AsSpan(0, count * codes.Latent).ToArray(), codes.Labels.AsSpan(0, count).ToArray(),
            data[..(images * side * side)].ToArray(), images, codes.Score, codes.ScoreName);
    }

    /// <summary>The page for <paramref name="model"/> decoding Side×Side images.</summary>
    public static string Build(VaeModel model, int side, Codes codes, string title)
    {
        if (side * side != model.Config.Input)
            throw new ArgumentException(
                $"a {side}×{side} image has {side * side} pixels, the model decodes {model.Config.Input}");
        int latent = model.Latent;
        int count = codes.Labels.Length;
        if (codes.Mu.Length != count * latent) throw new ArgumentException("μ does not match labels × latent size");
        var inv = CultureInfo.InvariantCulture;

        // Slider range: ±3 (the prior's bulk) or further when the codes reach further (an autoencoder's do).
        double reach = 3;
        foreach (float m in codes.Mu) reach = Math.Max(reach, Math.Abs(m));
        reach = Math.Min(Math.Ceiling(reach), 50);

        var s = new StringBuilder();
        s.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
            .Append(Esc(title)).Append("</title>\n<style>\n").Append(Css).Append("</style></head><body>\n");
        s.Append("<h1>").Append(Esc(title)).Append("</h1>\n<p class=\"note\">").Append(Esc(model.Config.ToString()))
            .Append(". Move a slider to change one latent dimension z<sub>j</sub>; the decoder runs in this page.")
            .Append(latent == 2 ? " Move over the map to decode that point." : "").Append("</p>\n");
        s.Append("<div class=\"row\"><div><canvas id=\"out\" width=\"224\" height=\"224\"></canvas>")
            .Append("<div class=\"cap\">decoded σ(decoder(z))</div></div>\n")
            .Append("<div><canvas id=\"orig\" width=\"224\" height=\"224\"></canvas><div class=\"cap\" id=\"origcap\">")
            .Append("test image (press the button)</div></div>\n");
        if (latent == 2)
            s.Append("<div><canvas id=\"pad\" width=\"360\" height=\"360\"></canvas><div class=\"cap\">μ of ")
                .Append(count.ToString(inv)).Append(" test images, coloured by label; z0 across, z1 up</div></div>\n");
        s.Append("</div>\n<p><button id=\"rand\">random test image</button> <button id=\"zero\">z = 0</button> ")
            .Append("<span id=\"zval\"></span></p>\n<div id=\"sliders\"></div>\n");

        s.Append("<script id=\"vae-decoder\">\n\"use strict\";\nconst VAE = {\n");
        s.Append("  side: ").Append(side.ToString(inv)).Append(", latent: ").Append(latent.ToString(inv))
            .Append(", reach: ").Append(reach.ToString(inv)).Append(", activation: \"")
            .Append(VaeConfig.Name(model.Config.Activation)).Append("\",\n  layers: [\n");
        foreach (var layer in model.DecoderLayers)
            s.Append("    { in: ").Append(layer.In.ToString(inv)).Append(", out: ").Append(layer.Out.ToString(inv))
                .Append(", w: \"").Append(Base64(layer.Weight.Data)).Append("\", b: \"")
                .Append(Base64(layer.Bias.Data)).Append("\" },\n");
        s.Append("  ],\n  mu: \"").Append(Base64(codes.Mu)).Append("\",\n  labels: \"")
            .Append(Convert.ToBase64String(codes.Labels)).Append("\",\n  images: \"")
            .Append(Convert.ToBase64String(codes.Images, 0, codes.ImageCount * side * side))
            .Append("\",\n  imageCount: ")
            .Append(codes.ImageCount.ToString(inv)).Append(",\n  score: [")
            .Append(string.Join(", ", codes.Score.Select(v => v.ToString("0.###", inv)))).Append("], scoreName: \"")
            .Append(codes.ScoreName).Append("\",\n};\n").Append(DecoderScript).Append("</script>\n");
        s.Append("<script>\n\"use strict\";\n").Append(UiScript).Append("</script>\n</body></html>\n");
        return s.ToString();
    }

    private static string Base64(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return Convert.ToBase64String(bytes);
    }

    private static string Esc(string t) => t.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private const string Css = """
        body { font: 14px sans-serif; margin: 16px; color: #222; background: #fafafa; }
        h1 { font-size: 18px; } .note { color: #555; max-width: 60em; }
        .row { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; }
        canvas { border: 1px solid #999; image-rendering: pixelated; background: #000; }
        #pad { background: #fff; cursor: crosshair; } .cap { font-size: 12px; color: #555; max-width: 360px; }
        #sliders { columns: 2; max-width: 760px; } .sl { display: flex; gap: 8px; align-items: center; margin: 2px 0; }
        .sl label { width: 9em; font-family: monospace; } .sl input { width: 200px; }
        .sl span { width: 4em; font-family: monospace; }
        """;

    /// <summary>The decoder in JavaScript: the same layers as <see cref="VaeModel.Decode"/>, in float64.</summary>
    private const string DecoderScript = """
        function vaeFloats(b64) {
          const bin = atob(b64), bytes = new Uint8Array(bin.length);
          for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
          return new Float32Array(bytes.buffer);
        }
        function vaeBytes(b64) {
          const bin = atob(b64), bytes = new Uint8Array(bin.length);
          for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
          return bytes;
        }
        const VAE_LAYERS = VAE.layers.map(l => ({ in: l.in, out: l.out, w: vaeFloats(l.w), b: vaeFloats(l.b) }));
        // z (latent) → hidden layers (activation) → logits → σ(logits), each layer y = W·x + b with W (out, in).
        function vaeDecode(z) {
          let h = Float64Array.from(z);
          for (let k = 0; k < VAE_LAYERS.length; k++) {
            const L = VAE_LAYERS[k], y = new Float64Array(L.out), last = k === VAE_LAYERS.length - 1;
            for (let o = 0; o < L.out; o++) {
              let s = L.b[o];
              const row = o * L.in;
              for (let i = 0; i < L.in; i++) s += L.w[row + i] * h[i];
              y[o] = last ? 1 / (1 + Math.exp(-s)) : VAE.activation === "relu" ? Math.max(0, s) : Math.tanh(s);
            }
            h = y;
          }
          return h;
        }

        """;

    private const string UiScript = """
        const J = VAE.latent, S = VAE.side, R = VAE.reach;
        const MU = vaeFloats(VAE.mu), LABELS = vaeBytes(VAE.labels), IMAGES = vaeBytes(VAE.images);
        const N = LABELS.length, z = new Float64Array(J);
        const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
        const sliders = [];
        function drawGray(canvas, pixels, scale) {
          const ctx = canvas.getContext("2d"), img = ctx.createImageData(S, S);
          for (let i = 0; i < S * S; i++) {
            const v = Math.round(Math.min(1, Math.max(0, pixels[i] * scale)) * 255);
            img.data[4 * i] = v; img.data[4 * i + 1] = v; img.data[4 * i + 2] = v; img.data[4 * i + 3] = 255;
          }
          const tmp = document.createElement("canvas"); tmp.width = S; tmp.height = S;
          tmp.getContext("2d").putImageData(img, 0, 0);
          ctx.imageSmoothingEnabled = false; ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
        }
        function padXY(a, b) {
          const p = document.getElementById("pad");
          return [(a + R) / (2 * R) * p.width, (R - b) / (2 * R) * p.height];
        }
        function drawPad() {
          const p = document.getElementById("pad"); if (!p) return;
          const ctx = p.getContext("2d"); ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, p.width, p.height);
          ctx.strokeStyle = "#ddd"; ctx.beginPath();
          const [cx, cy] = padXY(0, 0);
          ctx.moveTo(cx, 0); ctx.lineTo(cx, p.height); ctx.moveTo(0, cy); ctx.lineTo(p.width, cy); ctx.stroke();
          for (let n = 0; n < N; n++) {
            const [x, y] = padXY(MU[2 * n], MU[2 * n + 1]);
            ctx.fillStyle = COLORS[LABELS[n] % 10]; ctx.fillRect(x - 1, y - 1, 2, 2);
          }
          const [x, y] = padXY(z[0], z[1]);
          ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
          ctx.beginPath(); ctx.arc(x, y, 6, 0, 2 * Math.PI); ctx.stroke(); ctx.lineWidth = 1;
        }
        function redraw() {
          drawGray(document.getElementById("out"), vaeDecode(z), 1);
          for (let j = 0; j < J; j++) { sliders[j].input.value = z[j]; sliders[j].text.textContent = z[j].toFixed(2); }
          drawPad();
        }
        const order = [...Array(J).keys()].sort((a, b) => VAE.score[b] - VAE.score[a] || a - b);
        for (const j of order) {
          const div = document.createElement("div"); div.className = "sl";
          const label = document.createElement("label");
          label.textContent = "z" + j + " " + VAE.scoreName + " " + VAE.score[j].toFixed(2);
          const input = document.createElement("input");
          input.type = "range"; input.min = -R; input.max = R; input.step = R / 100; input.value = 0;
          const text = document.createElement("span");
          input.addEventListener("input", () => { z[j] = parseFloat(input.value); redraw(); });
          div.append(label, input, text); document.getElementById("sliders").append(div); sliders[j] = { input, text };
        }
        function loadImage(n) {
          for (let j = 0; j < J; j++) z[j] = MU[n * J + j];
          drawGray(document.getElementById("orig"), IMAGES.subarray(n * S * S, (n + 1) * S * S), 1 / 255);
          document.getElementById("origcap").textContent =
            "test image " + n + " (label " + LABELS[n] + "); left: the decode of its μ";
          redraw();
        }
        document.getElementById("rand").addEventListener("click",
          () => loadImage(Math.floor(Math.random() * VAE.imageCount)));
        document.getElementById("zero").addEventListener("click", () => { z.fill(0); redraw(); });
        const pad = document.getElementById("pad");
        if (pad) pad.addEventListener("mousemove", e => {
          const r = pad.getBoundingClientRect();
          z[0] = ((e.clientX - r.left) / r.width) * 2 * R - R; z[1] = R - ((e.clientY - r.top) / r.height) * 2 * R;
          redraw();
        });
        if (VAE.imageCount > 0) loadImage(0); else redraw();

        """;
}
