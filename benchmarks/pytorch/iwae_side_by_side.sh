#!/usr/bin/env bash
# Burda et al.'s model (784-200-200-50 tanh) at their batch 20, Vae vs PyTorch, side by side: ROUNDS rounds, each
# running every configuration once in turn (machine noise hits both alike). Each run reports its best repeat; the
# summary gives per configuration the best and the median over rounds, and each of our settings against PyTorch's
# best setting on the same instruction set.
#
#   benchmarks/pytorch/iwae_side_by_side.sh [ROUNDS] [VAE_BINARY]
#
# Dynamic binarisation and Adam on both sides; both instruction sets: AVX2 runs with DOTNET_EnableAVX512=0 (ours, so
# the JIT and our kernels take their AVX2+FMA paths) and OPENBLAS_CORETYPE=Haswell (PyTorch's OpenBLAS), AVX-512 with
# SkylakeX. Raw lines go to $OUT (default /tmp/iwae_vs_torch.csv). STEPS, WARMUP, REPEATS, DATA override the run
# lengths and the MNIST folder; ONLY=REGEX keeps the configurations whose label matches, THREADS=N those with N
# threads.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
VAE=${2:-src/Vae.Cli/bin/Release/net10.0/vae}
OUT=${OUT:-/tmp/iwae_vs_torch.csv}
DATA=${DATA:-data/mnist}
STEPS=${STEPS:-1000}; WARMUP=${WARMUP:-100}; REPEATS=${REPEATS:-3}
MODEL="--hidden 200,200 --latent 50 --activation tanh"
RUN="--batch-size 20 --steps $STEPS --warmup $WARMUP --repeats $REPEATS"
PY="/usr/bin/python3 benchmarks/pytorch/iwae_bench.py --data $DATA $RUN"
CLEAN="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS -u DOTNET_EnableAVX512"
NO512="DOTNET_EnableAVX512=0"
VB="$VAE bench train --data $DATA $MODEL $RUN --binarize dynamic"

# label | command
CONFIGS=()
for obj in "elbo k1|--objective elbo --k 1" "iwae k5|--objective iwae --k 5"; do
  name=${obj%%|*}; args=${obj#*|}
  CONFIGS+=(
    "vae $name t1|$CLEAN $VB $args --threads 1"
    "vae $name t2|$CLEAN $VB $args --threads 2"
    "vae $name t1 AVX2|$CLEAN $NO512 $VB $args --threads 1"
    "vae $name t2 AVX2|$CLEAN $NO512 $VB $args --threads 2"
    "torch $name t1 SkylakeX|$CLEAN OPENBLAS_CORETYPE=SkylakeX $PY $args --threads 1"
    "torch $name t2 SkylakeX|$CLEAN OPENBLAS_CORETYPE=SkylakeX $PY $args --threads 2"
    "torch $name t1 Haswell|$CLEAN OPENBLAS_CORETYPE=Haswell $PY $args --threads 1"
    "torch $name t2 Haswell|$CLEAN OPENBLAS_CORETYPE=Haswell $PY $args --threads 2"
  )
done

: > "$OUT"
for r in $(seq 1 "$ROUNDS"); do
  echo "# round $r/$ROUNDS, $(uptime | sed 's/.*load/load/')" >&2
  for c in "${CONFIGS[@]}"; do
    label=${c%%|*}; cmd=${c#*|}
    [[ -n "${ONLY:-}" && ! "$label" =~ $ONLY ]] && continue
    [[ -n "${THREADS:-}" && ! "$label" =~ " t$THREADS" ]] && continue
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
print(f"| {'configuration':24} | best images/s | median images/s | runs |")
print(f"|{'-'*26}|--------------:|----------------:|-----:|")
for label, v in rows.items():
    print(f"| {label:24} | {max(v):13,.0f} | {statistics.median(v):15,.0f} | {len(v):4} |")
for obj in ('elbo k1', 'iwae k5'):
    # Each of our settings against PyTorch's faster thread count on the same instruction set.
    for isa, ours, blas in (('AVX-512', '', 'SkylakeX'), ('AVX2', ' AVX2', 'Haswell')):
        torch = [rows[k] for k in (f'torch {obj} t1 {blas}', f'torch {obj} t2 {blas}') if k in rows]
        if not torch:
            continue
        best = max(torch, key=statistics.median)
        for t in (1, 2):
            v = rows.get(f'vae {obj} t{t}{ours}')
            if v:
                print(f"{obj} {isa}: Vae {t} thread(s) / PyTorch's best {statistics.median(v) / statistics.median(best):.2f}x "
                      f"(medians), {max(v) / max(best):.2f}x (bests)")
PYEOF
