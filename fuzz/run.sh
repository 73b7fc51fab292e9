#!/usr/bin/env bash
# Run every cargo-fuzz target for SECONDS seconds each (default 60).
#   fuzz/run.sh 60          # all targets, 60 s each
#   fuzz/run.sh 600 info    # one target
# Needs a nightly toolchain and cargo-fuzz; without them it says so and exits
# 0, so CI without nightly still passes. Exits 1 if any target found a crash,
# a timeout or an out-of-memory; the input is saved under fuzz/artifacts/.
set -uo pipefail
secs=${1:-60}
shift || true
cd "$(dirname "$0")"

if ! command -v rustup >/dev/null 2>&1 || ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz/run.sh: SKIPPED: no nightly Rust toolchain (rustup toolchain install nightly); fuzzing did not run"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz/run.sh: SKIPPED: cargo-fuzz is not installed (cargo install cargo-fuzz); fuzzing did not run"
  exit 0
fi

# libdeflate (C) includes one static table from two translation units; ASan
# reports that as an ODR violation at start-up. It is not a bug in cogtool.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0"
./seed.sh
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build -O >/dev/null 2>&1 || { echo "fuzz/run.sh: build failed"; cargo +nightly fuzz build -O; exit 1; }
failed=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== fuzz/run.sh: $t for ${secs}s (corpus: $(ls "corpus/$t" | wc -l) inputs)"
  start=$(date +%s)
  # -rss_limit_mb: cogtool promises to stay under 1 GiB; ASan adds overhead.
  # -timeout: one input taking 10 s is a hang for us.
  if cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
      -max_len=262144 -print_final_stats=1 >"artifacts/$t.log" 2>&1; then
    echo "   $t: ok after $(( $(date +%s) - start ))s; $(grep -E 'stat::number_of_executed_units' "artifacts/$t.log" | tail -1)"
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
