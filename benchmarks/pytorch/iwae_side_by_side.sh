#!/usr/bin/env bash
# Burda et al.'s model (784-200-200-50 tanh) at their batch 20, Vae vs PyTorch, side by side: ROUNDS rounds, each
# running every configuration once in turn (machine noise hits both alike). Each run reports its best repeat; the
# summary gives per configuration the best and the median over rounds, and Vae/PyTorch ratios.
#
#   benchmarks/pytorch/iwae_side_by_side.sh [ROUNDS] [VAE_BINARY]
#
# Dynamic binarisation and Adam on both sides. Raw lines go to $OUT (default /tmp/iwae_vs_torch.csv).
# STEPS, WARMUP, REPEATS, DATA, THREADS override the run lengths, the MNIST folder and the thread count;
# ONLY=REGEX keeps the configurations whose label matches.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
VAE=${2:-src/Vae.Cli/bin/Release/net10.0/vae}
OUT=${OUT:-/tmp/iwae_vs_torch.csv}
DATA=${DATA:-data/mnist}
STEPS=${STEPS:-1000}; WARMUP=${WARMUP:-100}; REPEATS=${REPEATS:-3}; THREADS=${THREADS:-1}
MODEL="--hidden 200,200 --latent 50 --activation tanh"
RUN="--batch-size 20 --steps $STEPS --warmup $WARMUP --repeats $REPEATS --threads $THREADS"
PY="/usr/bin/python3 benchmarks/pytorch/iwae_bench.py --data $DATA $RUN"
CLEAN="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS"

# label | command
CONFIGS=(
  "vae elbo k1|$CLEAN $VAE bench train --data $DATA $MODEL $RUN --objective elbo --k 1 --binarize dynamic"
  "torch elbo k1|$CLEAN $PY --objective elbo --k 1"
  "vae iwae k5|$CLEAN $VAE bench train --data $DATA $MODEL $RUN --objective iwae --k 5 --binarize dynamic"
  "torch iwae k5|$CLEAN $PY --objective iwae --k 5"
)

: > "$OUT"
for r in $(seq 1 "$ROUNDS"); do
  echo "# round $r/$ROUNDS, $(uptime | sed 's/.*load/load/')" >&2
  for c in "${CONFIGS[@]}"; do
    label=${c%%|*}; cmd=${c#*|}
    [[ -n "${ONLY:-}" && ! "$label" =~ $ONLY ]] && continue
    line=$($cmd 2>/dev/null | tail -1)
    # Vae: framework,threads,batch_size,images_per_sec,...
    # PyTorch: framework,threads,batch_size,k,objective,images_per_sec
    if [[ "$label" == torch* ]]; then rate=$(cut -d, -f6 <<< "$line"); else rate=$(cut -d, -f4 <<< "$line"); fi
    echo "$r,$label,$rate" | tee -a "$OUT" >&2
  done
done

/usr/bin/python3 - "$OUT" <<'PYEOF'
import sys, statistics, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    r, label, rate = line.rstrip('\n').split(',')
    rows.setdefault(label, []).append(float(rate))
print(f"| {'configuration':16} | best images/s | median images/s | runs |")
print(f"|{'-'*18}|--------------:|----------------:|-----:|")
for label, v in rows.items():
    print(f"| {label:16} | {max(v):13,.0f} | {statistics.median(v):15,.0f} | {len(v):4} |")
for obj in ('elbo k1', 'iwae k5'):
    if f'vae {obj}' in rows and f'torch {obj}' in rows:
        v, t = rows[f'vae {obj}'], rows[f'torch {obj}']
        print(f"{obj}: Vae/PyTorch {statistics.median(v) / statistics.median(t):.2f}x (medians), "
              f"{max(v) / max(t):.2f}x (bests)")
PYEOF
