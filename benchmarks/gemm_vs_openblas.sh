#!/usr/bin/env bash
# GEMM, 1 thread, Vae vs OpenBLAS on both x86 instruction sets, in alternating rounds: each round runs
# `vae bench matmul` once with AVX-512 (OpenBLAS forced onto its SkylakeX kernel) and once with AVX-512 off for the
# JIT (DOTNET_EnableAVX512=0, our AVX2+FMA path; OpenBLAS forced onto its Haswell kernel). Within an invocation the
# two libraries alternate repetition by repetition and each reports its best; the summary gives, per shape, the
# median over rounds of those bests and the ratio of the medians.
#
#   benchmarks/gemm_vs_openblas.sh [ROUNDS] [VAE_BINARY]        (REPEATS=10 per invocation; raw CSV to $OUT)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
VAE=${2:-src/Vae.Cli/bin/Release/net10.0/vae}
OUT=${OUT:-/tmp/vae_gemm_vs_openblas.csv}
REPEATS=${REPEATS:-10}
CLEAN="env -u OPENBLAS_L2_SIZE -u OPENBLAS_CORETYPE -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS -u DOTNET_EnableAVX512"
: > "$OUT"
for r in $(seq 1 "$ROUNDS"); do
  echo "# round $r/$ROUNDS, $(uptime | sed 's/.*load/load/')" >&2
  $CLEAN OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 $VAE bench matmul --threads 1 --repeats "$REPEATS" |
    tail -n +2 | sed "s/^/$r,/" | tee -a "$OUT" >&2
  $CLEAN OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=1 DOTNET_EnableAVX512=0 $VAE bench matmul --threads 1 \
    --repeats "$REPEATS" | tail -n +2 | sed "s/^/$r,/" | tee -a "$OUT" >&2
done

/usr/bin/python3 - "$OUT" <<'PY'
import sys, statistics, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    r, m, n, k, ta, tb, isa, t, ours, theirs = line.strip().split(',')
    op = ("Aᵀ" if ta == "1" else "A") + "·" + ("Bᵀ" if tb == "1" else "B")
    rows.setdefault((isa, f"{m}×{n}×{k}", op), []).append((float(ours), float(theirs)))
print("| ISA | m×n×k | op | Vae GFLOP/s | OpenBLAS GFLOP/s | Vae / OpenBLAS | rounds |")
print("|:--|:--|:--|--:|--:|--:|--:|")
for (isa, shape, op), v in rows.items():
    o, t = statistics.median(x for x, _ in v), statistics.median(y for _, y in v)
    print(f"| {isa} | {shape} | {op} | {o:.1f} | {t:.1f} | {o / t:.2f} | {len(v)} |")
PY
