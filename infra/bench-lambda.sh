#!/usr/bin/env bash
# The Lambda budgets of `make bench`: each function's zipped bootstrap size (budget 6 MB) and
# every function's cold start through a local runtime-API stub (budget 50 ms of init).
#
# Usage: bench-lambda.sh TOOLS_DIR EMULATORS_DIR [RUNS]
#
# Reads the zips `make build` leaves in ${CARGO_TARGET_DIR:-target}/lambda. Uses the DynamoDB
# endpoint in the environment (AWS_ENDPOINT_URL_DYNAMODB) if set; otherwise starts the
# emulators from EMULATORS_DIR and stops them afterwards.
set -euo pipefail

[[ $# -ge 2 ]] || { sed -n '5p' "$0" | sed 's/^# //' >&2; exit 2; }
tools=$1 emulators=$2 runs=${3:-15}
lambda_dir="${CARGO_TARGET_DIR:-target}/lambda"
readonly FUNCTIONS=(platform application client reports dispatcher scheduler)
readonly BUDGET_BYTES=6000000

unpacked="$(mktemp -d)"
cleanup() {
  rm -rf "$unpacked"
  if [[ -n ${started_emulators:-} ]]; then bash infra/emulators.sh stop "$emulators"; fi
}
trap cleanup EXIT

echo "Binary size (stripped bootstrap, zipped; budget $BUDGET_BYTES bytes):"
printf '  %-12s %12s %12s\n' function zip bootstrap
over=0
for function in "${FUNCTIONS[@]}"; do
  zip="$lambda_dir/$function/bootstrap.zip"
  [[ -f $zip ]] || { echo "bench-lambda: $zip missing: run make build" >&2; exit 1; }
  unzip -qo "$zip" -d "$unpacked/$function"
  zipped=$(stat -c %s "$zip")
  printf '  %-12s %12d %12d\n' "$function" "$zipped" "$(stat -c %s "$unpacked/$function/bootstrap")"
  ((zipped <= BUDGET_BYTES)) || over=1
done
((over == 0)) || echo "  over budget" >&2

if [[ -z ${AWS_ENDPOINT_URL_DYNAMODB:-} ]]; then
  eval "$(bash infra/emulators.sh start "$emulators")"
  started_emulators=1
fi
# The SAM CLI's environment has boto3, which the stub uses to make its throwaway table.
sam_bin="$(bash infra/tools.sh "$tools" sam)/sam"
python="$(dirname "$(readlink -f "$sam_bin")")/python"
"$python" infra/cold-start.py "$unpacked" "$runs"
exit "$over"
