#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for SECONDS each over its corpus (fuzz/corpus/<target>,
# seeded from fuzz/seeds/<target>), and prints a line per target: runs, seconds, outcome.
#
# Usage: infra/fuzz.sh TOOLS_DIR SECONDS [TARGET...]
#
# Installs what it needs: the nightly toolchain (rustup) and cargo-fuzz (cargo install, into
# TOOLS_DIR/cargo-fuzz). A crash leaves its input in fuzz/artifacts/<target>/ and fails the run.
set -euo pipefail

[[ $# -ge 2 ]] || { sed -n '5p' "$0" | sed 's/^# //' >&2; exit 2; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
TOOLS="$(cd "$1" && pwd)"
SECONDS_EACH=$2
shift 2
readonly CARGO_FUZZ_VERSION=0.13.2
cd "$ROOT"

log() { printf 'fuzz: %s\n' "$*" >&2; }

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
if ! "$TOOLS/cargo-fuzz/bin/cargo-fuzz" --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$TOOLS/cargo-fuzz"
fi
export PATH="$TOOLS/cargo-fuzz/bin:$PATH"

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build
status=0
for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  log "$target: ${SECONDS_EACH}s"
  output="$(mktemp)"
  if cargo +nightly fuzz run "$target" "$corpus" "fuzz/seeds/$target" -- \
    -max_total_time="$SECONDS_EACH" -max_len=8192 -print_final_stats=1 >"$output" 2>&1; then
    outcome="no crash"
  else
    outcome="CRASH (see fuzz/artifacts/$target/)"
    status=1
    grep -A15 -m1 'panicked\|ERROR: libFuzzer' "$output" >&2 || tail -20 "$output" >&2
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$output" | tail -1)"
  coverage="$(grep -o 'cov: [0-9]*' "$output" | tail -1)"
  printf '%s\t%s runs\t%s s\t%s\t%s\n' "$target" "${runs:-?}" "$SECONDS_EACH" "${coverage:-cov: ?}" "$outcome"
  rm -f "$output"
done
exit "$status"
