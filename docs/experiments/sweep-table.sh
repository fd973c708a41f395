#!/bin/sh
# One Markdown row per β (or per capacity) from the CSV that `vae disentanglement --csv` appends to: mean ± sd
# (sample sd, n − 1) over the seeds of test reconstruction, KL, active units, MIG (all factors, continuous
# factors scale/x/y, and each factor) and the FactorVAE score.
#   docs/experiments/sweep-table.sh results/beta-sweep/disentanglement.csv
set -eu
awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; nf = NF; next }
{
  c = $col["capacity"]; key = (c != "" && c != "off") ? "C=" c : "β=" $col["beta"]
  if (!(key in n)) order[++keys] = key
  n[key]++
  for (i = 6; i <= nf; i++) { s[key, i] += $i; ss[key, i] += $i * $i }
}
function cell(k, i,   m, v, fmt) {
  m = s[k, i] / n[k]
  v = n[k] > 1 ? (ss[k, i] - n[k] * m * m) / (n[k] - 1) : 0
  if (v < 0) v = 0
  fmt = i == col["active_units"] ? "%.1f ± %.1f" : (i >= col["mig"] ? "%.3f ± %.3f" : "%.2f ± %.2f")
  return sprintf(fmt, m, sqrt(v))
}
END {
  printf "| setting | seeds | recon | KL | active | MIG | MIG scale,x,y "
  printf "| shape | scale | orient. | x | y | FactorVAE |\n"
  printf "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
  for (r = 1; r <= keys; r++) {
    k = order[r]
    printf "| %s | %d", k, n[k]
    for (i = 6; i <= nf; i++) printf " | %s", cell(k, i)
    printf " |\n"
  }
}' "$1"
