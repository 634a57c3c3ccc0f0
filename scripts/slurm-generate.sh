#!/bin/sh
# Generate a large data set as a Slurm job array, one shard per task, straight into the
# folder where `asl-lab run` looks for this config's data set. When every shard is done the
# last one assembles labels.csv, labels.xlsx and dataset.json, and the next `asl-lab run` with
# the same config and cache finds the data set complete, seals it and goes on to train.
#
#   sbatch --array=1-16 scripts/slurm-generate.sh --config my.yaml --set data.images_per_letter=4000
#
# Every task must see the same config (pass the same arguments) and the same cache folder on a
# shared file system (set ASL_CACHE; default .asl-cache in the submit directory).
#SBATCH --job-name=asl-generate
#SBATCH --cpus-per-task=4
#SBATCH --time=01:00:00
set -eu
ASL_LAB=${ASL_LAB:-.build/release/asl-lab}
CACHE=${ASL_CACHE:-.asl-cache}
: "${SLURM_ARRAY_TASK_ID:?run this with sbatch --array=1-N}"
: "${SLURM_ARRAY_TASK_COUNT:?run this with sbatch --array=1-N}"
# `run --dry-run` names the folder this config's data set is generated into.
OUT=$("$ASL_LAB" run --dry-run --cache "$CACHE" "$@" | sed -n 's/^shard folder: //p')
exec "$ASL_LAB" generate "$@" --out "$OUT" --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" --threads "${SLURM_CPUS_PER_TASK:-1}"
