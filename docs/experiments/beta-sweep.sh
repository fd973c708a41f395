#!/bin/sh
# The β sweep of docs/lecture.md §8: a β-VAE per (β, seed) on the shapes set, each scored by
# `vae disentanglement`, then one table of mean ± sd over the seeds.
#   docs/experiments/beta-sweep.sh [OUT]          (default OUT: results/beta-sweep; runs already there are kept)
# Knobs (environment): BETAS="1 2 4 8 16" SEEDS="1 2 3" EPOCHS=15 HIDDEN=256,128 LATENT=10 THREADS=2
#   EXTRA="--capacity 8 --capacity-iters 3000" (any further train options; with --capacity, BETAS is not used)
#   VAE="dotnet run --project src/Vae.Cli -c Release --" (the command that runs vae)
# Each training run prints its progress to OUT/NAME.log; this script prints one line per run and the table.
set -eu
OUT=${1:-results/beta-sweep}
BETAS=${BETAS:-"1 2 4 8 16"}
SEEDS=${SEEDS:-"1 2 3"}
EPOCHS=${EPOCHS:-15}
HIDDEN=${HIDDEN:-256,128}
LATENT=${LATENT:-10}
THREADS=${THREADS:-2}
EXTRA=${EXTRA:-}
VAE=${VAE:-"dotnet run --project src/Vae.Cli -c Release --"}
mkdir -p "$OUT"
CSV="$OUT/disentanglement.csv"
case "$EXTRA" in *--capacity*) BETAS=capacity ;; esac   # the capacity objective replaces β
for seed in $SEEDS; do
  for beta in $BETAS; do
    if [ "$beta" = capacity ]; then
      run="$OUT/cap_s${seed}"; objective=""
    else
      run="$OUT/b${beta}_s${seed}"; objective="--beta $beta"
    fi
    if [ ! -f "$run/model.safetensors" ]; then
      echo "$(date -u +%T) training $run"
      $VAE train --dataset shapes --out "$run" --epochs "$EPOCHS" $objective --latent "$LATENT" \
        --hidden "$HIDDEN" --seed "$seed" --threads "$THREADS" $EXTRA > "$run.log" 2>&1
    fi
    if ! grep -q "^$run/model.safetensors," "$CSV" 2>/dev/null; then
      $VAE disentanglement --checkpoint "$run/model.safetensors" --dataset shapes --threads "$THREADS" \
        --csv "$CSV" > "$run.disentanglement.txt"
      echo "$(date -u +%T) $run: $(grep '^MIG' "$run.disentanglement.txt")"
    fi
  done
done
"$(dirname "$0")/sweep-table.sh" "$CSV"
