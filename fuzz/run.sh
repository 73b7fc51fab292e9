#!/usr/bin/env bash
# Run every cargo-fuzz target for SECONDS seconds each (default 60).
#   fuzz/run.sh 60             # all targets, 60 s each, no sanitizer (CI's mode)
#   fuzz/run.sh 600 info       # one target
#   fuzz/run.sh --asan 600     # AddressSanitizer build: slower to build (about
#                              # half an hour on 2 cores) and to run, finds
#                              # memory errors in the vendored C too
# Needs a nightly toolchain and cargo-fuzz (cargo install --locked cargo-fuzz).
# Without them it says so and exits 3: fuzzing that cannot run is a failure,
# never a silent pass. Exits 1 if any target found a crash, a timeout or an
# out-of-memory (the input is saved under fuzz/artifacts/), 2 if the build
# failed. Prints the executions of every target.
set -uo pipefail
sanitizer=none
if [ "${1:-}" = "--asan" ]; then
  sanitizer=address
  shift
fi
secs=${1:-60}
shift || true
cd "$(dirname "$0")"

if ! command -v rustup >/dev/null 2>&1 || ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz/run.sh: no nightly Rust toolchain (rustup toolchain install nightly): fuzzing cannot run" >&2
  exit 3
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz/run.sh: cargo-fuzz is not installed (cargo install --locked cargo-fuzz): fuzzing cannot run" >&2
  exit 3
fi

# libdeflate (C) includes one static table from two translation units; ASan
# reports that as an ODR violation at start-up. It is not a bug in cogtool.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0"
./seed.sh
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
start=$(date +%s)
if ! cargo +nightly fuzz build -O -s "$sanitizer" >artifacts-build.log 2>&1; then
  echo "fuzz/run.sh: build failed (sanitizer $sanitizer):" >&2
  tail -30 artifacts-build.log >&2
  exit 2
fi
echo "== fuzz/run.sh: built ${#targets[@]} targets (sanitizer $sanitizer) in $(( $(date +%s) - start ))s"
failed=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  start=$(date +%s)
  # -rss_limit_mb: cogtool promises to stay under 1 GiB; ASan adds overhead.
  # -timeout: one input taking 10 s is a hang for us.
  if cargo +nightly fuzz run -O -s "$sanitizer" "$t" "corpus/$t" -- \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
      -max_len=262144 -print_final_stats=1 >"artifacts/$t.log" 2>&1; then
    execs=$(grep -E 'stat::number_of_executed_units' "artifacts/$t.log" | tail -1 | awk '{print $2}')
    echo "   $t: ok, ${execs:-?} executions in $(( $(date +%s) - start ))s (seeds: $(ls "corpus/$t" | wc -l))"
    if [ -z "${execs:-}" ] || [ "${execs:-0}" -eq 0 ]; then
      echo "   $t: ran no input" >&2
      failed+=("$t")
    fi
  else
    echo "   $t: FINDING after $(( $(date +%s) - start ))s; see fuzz/artifacts/$t.log and fuzz/artifacts/$t/"
    grep -E 'panicked|ERROR:|SUMMARY' "artifacts/$t.log" | head -5 | sed 's/^/     /'
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz/run.sh: findings in: ${failed[*]}"
  exit 1
fi
echo "fuzz/run.sh: all ${#targets[@]} targets ran ${secs}s each without a finding"
