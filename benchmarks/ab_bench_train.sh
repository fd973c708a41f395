#!/usr/bin/env bash
# Two builds of vae, A (before a change) and B (after), on the same `vae bench train` command line, in alternating
# rounds: each round runs A then B at 1 and at 2 threads, on AVX-512 and (DOTNET_EnableAVX512=0) on AVX2+FMA, so
# the host's noise hits both alike. Each run reports its best repetition; the summary gives per configuration the
# best and the median over rounds for A and B and the ratio B/A of the medians.
#
#   benchmarks/ab_bench_train.sh VAE_A VAE_B [ROUNDS] [-- extra bench train options]
#
# The default options are Burda et al.'s model at their batch 20 with dynamic binarisation on MNIST in $DATA
# (default data/mnist); STEPS, WARMUP, REPEATS set the run lengths; THREADS="1 2" and ISAS="avx512 avx2" the
# configurations. Raw lines go to $OUT (default /tmp/ab_bench_train.csv).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 2 ]]; then sed -n '2,12p' "$0"; exit 2; fi
A=$1; B=$2; shift 2
ROUNDS=3
if [[ $# -gt 0 && $1 != "--" ]]; then ROUNDS=$1; shift; fi
[[ $# -gt 0 && $1 == "--" ]] && shift
for v in "$A" "$B"; do [[ -x $v ]] || { echo "not an executable: $v" >&2; exit 2; }; done
DATA=${DATA:-data/mnist}; OUT=${OUT:-/tmp/ab_bench_train.csv}
STEPS=${STEPS:-1000}; WARMUP=${WARMUP:-100}; REPEATS=${REPEATS:-3}
THREADS=${THREADS:-1 2}; ISAS=${ISAS:-avx512 avx2}
ARGS=(--data "$DATA" --hidden 200,200 --latent 50 --activation tanh --binarize dynamic --batch-size 20
      --steps "$STEPS" --warmup "$WARMUP" --repeats "$REPEATS" "$@")
CLEAN=(env -u DOTNET_EnableAVX512 -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)

: > "$OUT"
for r in $(seq 1 "$ROUNDS"); do
  echo "# round $r/$ROUNDS, $(uptime | sed 's/.*load/load/')" >&2
  for isa in $ISAS; do
    env=("${CLEAN[@]}"); [[ $isa == avx2 ]] && env+=(DOTNET_EnableAVX512=0)
    for t in $THREADS; do
      for side in A B; do
        bin=$A; [[ $side == B ]] && bin=$B
        rate=$("${env[@]}" "$bin" bench train "${ARGS[@]}" --threads "$t" | tail -1 | cut -d, -f4)
        echo "$r,$isa t$t,$side,$rate" | tee -a "$OUT" >&2
      done
    done
  done
done

/usr/bin/python3 - "$OUT" <<'PY'
import sys, statistics, collections
runs = collections.OrderedDict()
for line in open(sys.argv[1]):
    r, config, side, rate = line.strip().split(',')
    runs.setdefault(config, {'A': [], 'B': []})[side].append(float(rate))
print("configuration,A_best,A_median,B_best,B_median,B_over_A_median")
for config, s in runs.items():
    ma, mb = statistics.median(s['A']), statistics.median(s['B'])
    print(f"{config},{max(s['A']):.0f},{ma:.0f},{max(s['B']):.0f},{mb:.0f},{mb / ma:.3f}")
PY
