#!/usr/bin/env bash
# Install developer tools from PyPI into per-tool venvs under CACHE_DIR, and print the
# directories to put in front of PATH.
#
# Usage:
#   tools.sh CACHE_DIR TOOL...      TOOL: cfn-lint | sam | cargo-lambda | schemathesis
#
#   export PATH="$(bash infra/tools.sh .tools cfn-lint sam):$PATH"
#
# stdout: one line, the tools' bin directories joined with ':'. Progress goes to stderr.
# Each install is idempotent (a stamp file, written last, records the pin and the venv path;
# venvs are not relocatable, so a moved CACHE_DIR reinstalls).
#
# The printed directories hold only the tools' own commands (symlinks into the venvs), not
# the venvs' python/pip, so putting them first on PATH does not shadow the system python3.
# For sam, also set SAM_CLI_TELEMETRY=0 (and AWS_REGION) in the calling environment.
set -euo pipefail

readonly UV_SPEC="uv==0.13.8"

# Keep the real stdout on fd 3 for the final PATH line; everything else goes to stderr.
exec 3>&1 1>&2

log() { printf 'tools: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '5,7p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# tool -> pinned PyPI requirement
spec_of() {
  case $1 in
    cfn-lint) echo "cfn-lint==1.58.0" ;;
    sam) echo "aws-sam-cli==1.170.0" ;;
    cargo-lambda) echo "cargo-lambda==1.9.2" ;;
    schemathesis) echo "schemathesis==4.32.5" ;;
    *) return 1 ;;
  esac
}

# tool -> commands exposed on PATH
commands_of() {
  case $1 in
    cfn-lint) echo "cfn-lint" ;;
    sam) echo "sam" ;;
    cargo-lambda) echo "cargo-lambda" ;;
    schemathesis) echo "st schemathesis" ;;
  esac
}

[[ $# -ge 2 ]] || usage
[[ $1 != -h && $1 != --help ]] || usage
for tool in "${@:2}"; do
  spec_of "$tool" >/dev/null || die "unknown tool '$tool' (known: cfn-lint, sam, cargo-lambda, schemathesis)"
done
mkdir -p "$1"
CACHE_DIR="$(cd "$1" && pwd -P)"
shift

# Concurrent calls on the same cache folder serialise.
exec 9>"$CACHE_DIR/.lock"
if ! flock -n 9; then
  log "waiting for the lock on $CACHE_DIR/.lock"
  flock 9
fi

UV_DIR="$CACHE_DIR/uv"
export UV_CACHE_DIR="$CACHE_DIR/uv-cache"
export UV_PYTHON_DOWNLOADS=never   # use the machine's Python; uv must not try to fetch one
PY="$(python3 -c 'import sys; print(sys.executable)')"   # the real one, not a pyenv shim

# Bootstrap a pinned uv into $UV_DIR. `pip install --target` is used rather than a venv:
# uv is a static binary and needs none, and skipping ensurepip saves ~4 s. Prints uv's
# path, or nothing if that failed, in which case callers fall back to plain pip.
ensure_uv() {
  local stamp="$UV_DIR/.installed"
  if [[ -f $stamp && "$(<"$stamp")" == "$UV_SPEC" && -x $UV_DIR/bin/uv ]]; then
    echo "$UV_DIR/bin/uv"
    return 0
  fi
  log "bootstrapping $UV_SPEC"
  rm -rf "$UV_DIR"
  if PIP_ROOT_USER_ACTION=ignore "$PY" -m pip install -q --disable-pip-version-check \
    --no-warn-script-location --target "$UV_DIR" "$UV_SPEC" >&2 &&
    "$UV_DIR/bin/uv" --version >&2; then
    echo "$UV_SPEC" >"$stamp"
    echo "$UV_DIR/bin/uv"
  else
    log "could not install $UV_SPEC; falling back to pip"
    rm -rf "$UV_DIR"
  fi
}

UV=""
uv_checked=0

install_tool() {
  local tool=$1 spec venv stamp bindir cmd
  spec="$(spec_of "$tool")"
  venv="$CACHE_DIR/$tool/venv"
  bindir="$CACHE_DIR/$tool/bin"
  stamp="$CACHE_DIR/$tool/.installed"
  if [[ -f $stamp && "$(<"$stamp")" == "$spec $venv" ]]; then
    return 0
  fi
  if ((!uv_checked)); then
    UV="$(ensure_uv)"
    uv_checked=1
  fi
  log "installing $spec"
  local t0=$SECONDS
  rm -rf "${CACHE_DIR:?}/$tool"
  if [[ -n $UV ]]; then
    "$UV" venv -q -p "$PY" "$venv"
    "$UV" pip install -q -p "$venv/bin/python" "$spec"
  else
    "$PY" -m venv "$venv"
    "$venv/bin/python" -m pip install -q "$spec"
  fi
  mkdir -p "$bindir"
  for cmd in $(commands_of "$tool"); do
    [[ -x $venv/bin/$cmd ]] || die "$cmd missing after installing $spec"
    ln -s "$venv/bin/$cmd" "$bindir/$cmd"
  done
  if [[ $tool == cargo-lambda ]]; then
    # cargo-lambda links with Zig, which the wheel brings as the `ziglang` Python package.
    # It finds it as `zig` on PATH or via `python3 -m ziglang` with whatever python3 is on
    # PATH; the latter would be the system one here, so provide `zig` explicitly.
    printf '#!/bin/sh\nexec "%s" -m ziglang "$@"\n' "$venv/bin/python" >"$bindir/zig"
    chmod +x "$bindir/zig"
    "$bindir/zig" version >/dev/null || die "zig from the ziglang package does not run"
  fi
  log "installed $spec in $((SECONDS - t0)) s"
  echo "$spec $venv" >"$stamp"   # last: a half-done install is redone next time
}

dirs=()
for tool in "$@"; do
  install_tool "$tool"
  dirs+=("$CACHE_DIR/$tool/bin")
done

(IFS=:; echo "${dirs[*]}") >&3
