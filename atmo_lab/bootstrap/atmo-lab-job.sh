#!/usr/bin/env bash
# An atmo_lab scheduled run on an EMR 7 node (Amazon Linux 2023). Two uses:
#  - bootstrap action (every node, before EMR installs Spark):
#      atmo-lab-job.sh [--install <pip requirement>]...
#    builds a virtualenv with papermill from the distribution's python3.11 (its python3 is 3.9
#    and has no pip) and keeps a copy of this script beside it for the step;
#  - the step (command-runner.jar, master node):
#      atmo-lab-job.sh run --timeout <seconds> -- <papermill arguments>
#    runs papermill with a kernel that imports the cluster's own pyspark; coreutils timeout
#    stops it <seconds> after the step started (exit status 124).
# PYTHON, SPARK_HOME and ATMO_LAB_HOME may be set; they default to the paths EMR uses.
set -euo pipefail
ROOT="${ATMO_LAB_HOME:-$HOME/atmo-lab}"
PYTHON="${PYTHON:-/usr/bin/python3.11}"
SPARK_HOME="${SPARK_HOME:-/usr/lib/spark}"

run_notebook() {
  local limit=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --timeout) limit="$2"; shift 2 ;;
      --) shift; break ;;
      *) echo "atmo-lab job: unknown argument $1" >&2; exit 2 ;;
    esac
  done
  case "$limit" in ''|*[!0-9]*) echo "atmo-lab job: --timeout <seconds> is required" >&2; exit 2 ;; esac
  # The kernel inherits these: Spark's own python/ and py4j, workers on the same python.
  local py4j=("$SPARK_HOME"/python/lib/py4j-*-src.zip)
  export SPARK_HOME PYSPARK_PYTHON="$ROOT/venv/bin/python"
  export PYTHONPATH="$SPARK_HOME/python:${py4j[0]}${PYTHONPATH:+:$PYTHONPATH}"
  local status=0
  timeout --kill-after=60 "$limit" "$ROOT/venv/bin/papermill" "$@" || status=$?
  if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    echo "atmo-lab job: stopped at the run's time limit of $limit s" >&2
  fi
  exit "$status"
}

if [ "${1:-}" = run ]; then
  shift
  run_notebook "$@"
fi

PACKAGES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --install) PACKAGES+=("$2"); shift 2 ;;
    *) echo "atmo-lab job bootstrap: ignoring unknown argument $1" >&2; shift ;;
  esac
done
sudo dnf install -y python3.11 python3.11-pip
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet "papermill[s3]" ipykernel ${PACKAGES[@]+"${PACKAGES[@]}"}
install -m 755 "$0" "$ROOT/atmo-lab-job.sh"
echo "atmo-lab job bootstrap: papermill in $ROOT/venv"
