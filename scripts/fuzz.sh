#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ (or the ones named as arguments), one a
# core at a time, each for FUZZ_SECONDS seconds (default 30) with one job,
# and prints the runs and coverage of each and the total. Fails when a
# target finds a crash; its input stays in fuzz/artifacts/<target>/.
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install --locked
# cargo-fuzz`). The committed seeds are fuzz/corpus/<target>/; what a run
# adds goes to fuzz/work/<target>/ (not committed), so later runs go on from
# there. FUZZ_ARGS adds libFuzzer options.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
fuzz="$root/fuzz"
seconds="${FUZZ_SECONDS:-30}"
toolchain="${FUZZ_TOOLCHAIN:-nightly}"
cargo_fuzz=(cargo "+$toolchain" fuzz)

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cd "$fuzz" && "${cargo_fuzz[@]}" list)
fi

# One build for all targets, with debug assertions and overflow checks.
(cd "$fuzz" && "${cargo_fuzz[@]}" build --debug-assertions)

logs="$fuzz/work/logs"
mkdir -p "$logs"
# Targets run side by side, FUZZ_PARALLEL at a time (default: one a core),
# each with one job: the same seconds each, the whole in a fraction of the
# time.
parallel="${FUZZ_PARALLEL:-$(nproc)}"

# fuzz_one TARGET: runs one target; writes its table line (and, after a
# crash, the lines that say where) to its folder's result file.
fuzz_one() {
  local target=$1 run="$logs/$1" start status=0 elapsed out runs cov ft result
  mkdir -p "$fuzz/work/$target" "$fuzz/corpus/$target"
  # With -jobs, libFuzzer writes the job's output to fuzz-0.log in the
  # current folder: run each target in a folder of its own.
  rm -rf "$run"
  mkdir -p "$run"
  start=$(date +%s)
  (cd "$run" && "${cargo_fuzz[@]}" run --fuzz-dir "$fuzz" --debug-assertions "$target" \
    "$fuzz/work/$target" "$fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -jobs=1 -workers=1 -print_final_stats=1 \
    ${FUZZ_ARGS:-}) >"$run/run.log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - start ))
  out="$run/fuzz-0.log"
  [ -f "$out" ] || out="$run/run.log"
  runs=$(awk '/stat::number_of_executed_units/ { n = $NF } END { print n + 0 }' "$out")
  cov=$(awk '{ for (i = 1; i < NF; i++) if ($i == "cov:") c = $(i + 1) } END { print c }' "$out")
  ft=$(awk '{ for (i = 1; i < NF; i++) if ($i == "ft:") f = $(i + 1) } END { print f }' "$out")
  if [ "$status" -eq 0 ]; then result=ok; else result="FAILED (see $out)"; fi
  {
    printf '%-16s %12d %8d %8s %8s  %s\n' "$target" "$runs" "$elapsed" "${cov:--}" "${ft:--}" "$result"
    if [ "$status" -ne 0 ]; then
      grep -E "panicked at|^assertion|^  left|^ right|Test unit written" "$out" | head -8 | sed 's/^/    /' || true
    fi
  } >"$run.result"
  return "$status"
}

running=0
for target in "${targets[@]}"; do
  if [ "$running" -ge "$parallel" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  rm -f "$logs/$target.result"
  fuzz_one "$target" &
  running=$((running + 1))
done
wait || true

total=0
failed=()
printf '%-16s %12s %8s %8s %8s  %s\n' target runs seconds cov ft result
for target in "${targets[@]}"; do
  result="$logs/$target.result"
  if [ ! -s "$result" ]; then
    # fuzz_one stopped before its table line (a command of its own failed).
    printf '%-16s %12d %8s %8s %8s  %s\n' "$target" 0 - - - "FAILED (no result; see $logs/$target/)" >"$result"
  fi
  cat "$result"
  total=$(( total + $(awk 'NR == 1 { print $2 }' "$result") ))
  if grep -q FAILED "$result"; then failed+=("$target"); fi
done
printf '%-16s %12d\n' total "$total"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: a crash in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
