#!/bin/sh
# The initialisation comparison of docs/iwae.md: Burda et al.'s model and schedule (first EPOCHS epochs) once per
# (init, seed), two runs at a time, then the test bound and active units at the stage ends 1, 4, 13 of each run.
#   docs/experiments/iwae-init.sh [OUT]        (default OUT: results/iwae-init; finished runs there are kept)
# Knobs (environment): INITS="default glorot burda" SEEDS="1 2" EPOCHS=13 OBJECTIVE="elbo --k 1" JOBS=2
#   VAE="dotnet run --project src/Vae.Cli -c Release --" (better: the built src/Vae.Cli/bin/Release/net10.0/vae)
#   DATA=/work/data/mnist
# Each run prints its progress to OUT/NAME.log; this script prints one line per (run, stage end).
set -eu
OUT=${1:-results/iwae-init}
INITS=${INITS:-"default glorot burda"}
SEEDS=${SEEDS:-"1 2"}
EPOCHS=${EPOCHS:-13}
OBJECTIVE=${OBJECTIVE:-"elbo --k 1"}
JOBS=${JOBS:-2}
DATA=${DATA:-/work/data/mnist}
VAE=${VAE:-"dotnet run --project src/Vae.Cli -c Release --"}
mkdir -p "$OUT"
for init in $INITS; do for seed in $SEEDS; do echo "$init $seed"; done; done |
  OUT=$OUT EPOCHS=$EPOCHS OBJECTIVE=$OBJECTIVE DATA=$DATA VAE=$VAE xargs -P "$JOBS" -L 1 sh -c '
    run="$OUT/$0_s$1"
    if [ -f "$run/metrics.csv" ] && [ "$(tail -1 "$run/metrics.csv" | cut -d, -f1)" = "$EPOCHS" ]; then exit 0; fi
    echo "$(date -u +%T) training $run" >&2
    $VAE train --data "$DATA" --out "$run" --overwrite --hidden 200,200 --latent 50 --activation tanh \
      --objective $OBJECTIVE --binarize dynamic --schedule burda --epochs "$EPOCHS" --threads 1 \
      --init "$0" --seed "$1" > "$run.log" 2>&1'
echo "run,epoch,train_loss,test_loss,active_units,images_per_sec"
for init in $INITS; do for seed in $SEEDS; do
  awk -F, -v run="${init}_s$seed" 'NR > 1 && ($1 == 1 || $1 == 4 || $1 == 13 || $1 == 40) {
    print run "," $1 "," $2 "," $5 "," $10 "," $8 }' "$OUT/${init}_s$seed/metrics.csv"
done; done
