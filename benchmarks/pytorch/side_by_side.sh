#!/usr/bin/env bash
# Training speed, Vae vs PyTorch, measured side by side: ROUNDS rounds, each running every
# configuration once in turn (so machine noise hits both sides alike). Every run reports its best
# repeat; the summary gives, per configuration, the best and the median over rounds.
#
#   benchmarks/pytorch/side_by_side.sh [ROUNDS] [VAE_BINARY]
#
# VAE_BINARY defaults to the Release build (dotnet build -c Release src/Vae.Cli first). Raw lines go
# to $OUT (default /tmp/vae_vs_torch.csv). ONLY=REGEX keeps the configurations whose label matches;
# STEPS, WARMUP, REPEATS, DATA override the run lengths and the MNIST folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
VAE=${2:-src/Vae.Cli/bin/Release/net10.0/vae}
OUT=${OUT:-/tmp/vae_vs_torch.csv}
DATA=${DATA:-data/mnist}
STEPS=${STEPS:-300}; WARMUP=${WARMUP:-50}; REPEATS=${REPEATS:-5}
PY="/usr/bin/python3 benchmarks/pytorch/vae_train_bench.py --data $DATA --steps $STEPS --warmup $WARMUP --repeats $REPEATS"
CLEAN="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS -u DOTNET_EnableAVX512"
# .NET 10 turns AVX-512 off for the JIT with DOTNET_EnableAVX512=0 (DOTNET_EnableAVX512F is no longer read): our GEMM
# then takes its AVX2+FMA path, as on a CPU without AVX-512. The vae lines print which path ran (last CSV column).
NO512="DOTNET_EnableAVX512=0"
VB="$VAE bench train --data $DATA --steps $STEPS --warmup $WARMUP --repeats $REPEATS"

# label | command
CONFIGS=(
  "vae t1|$CLEAN $VB --threads 1"
  "vae t2|$CLEAN $VB --threads 2"
  "vae t1 AVX2 (EnableAVX512=0)|$CLEAN $NO512 $VB --threads 1"
  "vae t2 AVX2 (EnableAVX512=0)|$CLEAN $NO512 $VB --threads 2"
  "torch t1 (OpenBLAS env unset)|$CLEAN $PY --threads 1"
  "torch t1 OPENBLAS_NUM_THREADS=1|$CLEAN OPENBLAS_NUM_THREADS=1 $PY --threads 1"
  "torch t1 OPENBLAS_CORETYPE=Haswell|$CLEAN OPENBLAS_CORETYPE=Haswell $PY --threads 1"
  "torch t1 Haswell + OPENBLAS_NUM_THREADS=1|$CLEAN OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=1 $PY --threads 1"
  "torch t1 SkylakeX (AVX-512) + OPENBLAS_NUM_THREADS=1|$CLEAN OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 $PY --threads 1"
  "torch t2 (OpenBLAS env unset)|$CLEAN $PY --threads 2"
  "torch t2 OPENBLAS_CORETYPE=Haswell|$CLEAN OPENBLAS_CORETYPE=Haswell $PY --threads 2"
  "torch t2 OPENBLAS_CORETYPE=SkylakeX (AVX-512)|$CLEAN OPENBLAS_CORETYPE=SkylakeX $PY --threads 2"
)

: > "$OUT"
for r in $(seq 1 "$ROUNDS"); do
  echo "# round $r/$ROUNDS, $(uptime | sed 's/.*load/load/')" >&2
  for c in "${CONFIGS[@]}"; do
    label=${c%%|*}; cmd=${c#*|}
    [[ -n "${ONLY:-}" && ! "$label" =~ $ONLY ]] && continue
    rate=$($cmd 2>/dev/null | tail -1 | cut -d, -f4)
    echo "$r,$label,$rate" | tee -a "$OUT" >&2
  done
done

/usr/bin/python3 - "$OUT" <<'EOF'
import sys, statistics, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    r, label, rate = line.rstrip('\n').split(',')
    rows.setdefault(label, []).append(float(rate))
print(f"| {'configuration':52} | best images/s | median images/s | runs |")
print(f"|{'-'*54}|--------------:|----------------:|-----:|")
for label, v in rows.items():
    print(f"| {label:52} | {max(v):13,.0f} | {statistics.median(v):15,.0f} | {len(v):4} |")
# Ratios of medians: each Vae line against PyTorch's best configuration (by median), and 2 threads over 1.
med = {label: statistics.median(v) for label, v in rows.items() if v}
torch = {l: m for l, m in med.items() if l.startswith("torch")}
if torch:
    best = max(torch, key=torch.get)
    print(f"\nPyTorch's best setting by median: {best} ({torch[best]:,.0f} images/s)")
    for l, m in med.items():
        if l.startswith("vae"):
            print(f"  {l}: {m / torch[best]:.2f}x PyTorch's best")
for one, two in [("vae t1", "vae t2"), ("vae t1 AVX2 (EnableAVX512=0)", "vae t2 AVX2 (EnableAVX512=0)")]:
    if one in med and two in med:
        print(f"  {two} / {one}: {med[two] / med[one]:.2f}x")
EOF
