// Where the time of one small training step goes: Burda et al.'s model (784-200-200-50 tanh) at batch B with K
// samples, one thread, the phases of Trainer.Step timed apart (ε, forward + loss, zeroing the gradients, backward,
// Adam), then each GEMM shape of the step alone and Adam alone.
//   dotnet run -c Release --project benchmarks/StepProfile -- [B=20] [K=1] [elbo|iwae] [steps=3000]
using System.Diagnostics;
using Vae.Engine;
using Vae.Kernels;
using Vae.Model;
using Vae.Nn;
using Vae.Objectives;

int b = args.Length > 0 ? int.Parse(args[0]) : 20;
int k = args.Length > 1 ? int.Parse(args[1]) : 1;
bool iwae = args.Length > 2 && args[2] == "iwae";
int steps = args.Length > 3 ? int.Parse(args[3]) : 3000;
IObjective objective = k == 1 && !iwae ? ElboObjective.Standard : new IwaeObjective { Samples = k, Averaged = !iwae };
var model = new VaeModel(new VaeConfig { Hidden = [200, 200], Latent = 50, Activation = Activation.Tanh });
model.Initialize(new Rng(1));
var tape = new Tape { Threads = 1 };
var rng = new Rng(2);
var x = new Tensor(b, 784);
foreach (ref float v in x.Data) v = rng.NextFloat() < 0.13f ? 1 : 0;
var eps = new Tensor(b * k, 50);
var batch = new Batch(x, eps);
var adam = new Adam(model.Parameters.Count, 1e-3f, epsilon: 1e-4f) { Threads = 1 };
var t = new double[5];
for (int it = 0; it < steps + 300; it++)
{
    long t0 = Stopwatch.GetTimestamp();
    rng.FillGaussian(eps.Data);
    long t1 = Stopwatch.GetTimestamp();
    tape.Reset();
    var loss = objective.Loss(tape, model, batch, new StepContext(it, 3000)).Loss;
    long t2 = Stopwatch.GetTimestamp();
    model.Parameters.ZeroGrad();
    long t3 = Stopwatch.GetTimestamp();
    tape.Backward(loss);
    long t4 = Stopwatch.GetTimestamp();
    adam.Update(model.Parameters.Values, model.Parameters.Grads);
    long t5 = Stopwatch.GetTimestamp();
    if (it < 300) continue;   // warm-up
    t[0] += t1 - t0; t[1] += t2 - t1; t[2] += t3 - t2; t[3] += t4 - t3; t[4] += t5 - t4;
}
double us = 1e6 / Stopwatch.Frequency / steps, total = t.Sum() * us;
string[] names = ["eps", "forward+loss", "zero grads", "backward", "adam"];
Console.WriteLine($"batch {b}, K {k}, {objective.Describe()}: {total:F1} µs per step = {b / total * 1e6:F0} images/s");
for (int i = 0; i < 5; i++)
    Console.WriteLine($"  {names[i],-13} {t[i] * us,8:F1} µs  {100 * t[i] * us / total,5:F1} %");

void Gemm1(string name, int m, int n, int kk, bool ta, bool tb, bool acc)
{
    var a = new float[m * kk]; var bm = new float[kk * n]; var c = new float[m * n];
    for (int i = 0; i < a.Length; i++) a[i] = 0.01f * (i % 7);
    for (int i = 0; i < bm.Length; i++) bm[i] = 0.01f * (i % 5);
    for (int i = 0; i < 100; i++) Gemm.Multiply(a, bm, m, n, kk, ta, tb, c, acc, 1);
    long s = Stopwatch.GetTimestamp();
    const int reps = 1000;
    for (int i = 0; i < reps; i++) Gemm.Multiply(a, bm, m, n, kk, ta, tb, c, acc, 1);
    double u = (Stopwatch.GetTimestamp() - s) * 1e6 / Stopwatch.Frequency / reps;
    Console.WriteLine($"  gemm {name,-22} m {m,4} n {n,4} k {kk,4}: {u,8:F1} µs  " +
        $"{2.0 * m * n * kk / u / 1e3,6:F1} GFLOP/s");
}
int rows = b * k;
Gemm1("x·W1ᵀ", b, 200, 784, false, true, false);
Gemm1("h·W2ᵀ", b, 200, 200, false, true, false);
Gemm1("z·D0ᵀ", rows, 200, 50, false, true, false);
Gemm1("g·Woutᵀ", rows, 784, 200, false, true, false);
Gemm1("dWout += dYᵀ·g", 784, 200, rows, true, false, true);
Gemm1("dG += dY·Wout", rows, 200, 784, false, false, true);
Gemm1("dW1 += dHᵀ·x", 200, 784, b, true, false, true);
long a0 = Stopwatch.GetTimestamp();
for (int i = 0; i < 1000; i++) adam.Update(model.Parameters.Values, model.Parameters.Grads);
double adamUs = (Stopwatch.GetTimestamp() - a0) * 1e6 / Stopwatch.Frequency / 1000;
Console.WriteLine($"  adam alone: {adamUs:F1} µs for {model.Parameters.Count:N0} parameters");
