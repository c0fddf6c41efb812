#!/usr/bin/env bash
# Local AWS emulators for tests, without Docker:
#   - DynamoDB (+ Streams): AWS's DynamoDB Local 1.25.1, taken from the npm package
#     amplify-dynamodb-simulator (the only registry that ships the jar).
#   - S3: moto_server from PyPI moto[server].
# Recipe and measurements: shared/reference/local-aws-emulators.md.
#
# Usage:
#   emulators.sh [start] [CACHE_DIR]   install if needed, start (or reuse), wait until both
#                                      answer, print the export lines on stdout
#   emulators.sh env    [CACHE_DIR]    print the export lines for the running servers
#   emulators.sh status [CACHE_DIR]    human-readable state on stdout; exit 0 iff both run
#   emulators.sh stop   [CACHE_DIR]    stop the servers started from CACHE_DIR
# CACHE_DIR defaults to ./.emulators.
#
#   eval "$(bash infra/emulators.sh start .emulators)"
#   cargo test
#   bash infra/emulators.sh stop .emulators
#
# Environment: EMU_DDB_PORT (8000), EMU_S3_PORT (5000), EMU_TIMEOUT (120, seconds to wait
# for both servers to answer).
#
# stdout carries only the export lines; everything else goes to stderr.
set -euo pipefail

readonly DDB_NPM_PKG="amplify-dynamodb-simulator@2.9.30"
# sha256 of package/emulator/DynamoDBLocal.jar (DynamoDB Local 1.25.1) in that package.
readonly DDB_JAR_SHA256="454305e9bc3e6ebcca5b62569869e31563b8d7e346474e94557b2600702146c7"
readonly MOTO_SPEC="moto[server]==5.2.5"
readonly UV_SPEC="uv==0.13.8"

DDB_PORT="${EMU_DDB_PORT:-8000}"
S3_PORT="${EMU_S3_PORT:-5000}"
TIMEOUT="${EMU_TIMEOUT:-120}"

# Keep the real stdout on fd 3 for the export lines and send everything else (npm, pip,
# our own messages) to stderr, so `eval "$(emulators.sh)"` only ever sees exports.
exec 3>&1 1>&2

log() { printf 'emulators: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '8,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------- arguments
cmd=start
case "${1:-}" in
  start | env | status | stop) cmd=$1; shift ;;
  -h | --help | help) usage ;;
esac
[[ $# -le 1 ]] || usage
[[ "$DDB_PORT$S3_PORT$TIMEOUT" =~ ^[0-9]+$ ]] ||
  die "EMU_DDB_PORT, EMU_S3_PORT and EMU_TIMEOUT must be numbers"
CACHE_DIR="${1:-./.emulators}"
[[ $cmd == start ]] && mkdir -p "$CACHE_DIR"
if [[ -d $CACHE_DIR ]]; then
  CACHE_DIR="$(cd "$CACHE_DIR" && pwd -P)"
else
  # env/status/stop on a folder that was never used: nothing can be running.
  [[ $cmd == stop ]] && { log "nothing to stop ($CACHE_DIR does not exist)"; exit 0; }
  [[ $cmd == status ]] && { echo "dynamodb: not installed"; echo "s3: not installed"; } >&3
  [[ $cmd == status ]] && exit 3
  die "$CACHE_DIR does not exist; run 'emulators.sh start' first"
fi

DDB_DIR="$CACHE_DIR/dynamodb-local"   # contents of package/emulator
MOTO_VENV="$CACHE_DIR/moto-venv"
UV_DIR="$CACHE_DIR/uv"                # venv holding the bootstrapped uv
DDB_JAR="$DDB_DIR/DynamoDBLocal.jar"
MOTO_BIN="$MOTO_VENV/bin/moto_server"

# One lock per cache folder: concurrent starts/stops serialise, and a second start simply
# reuses what the first one started. fd 9 is closed in the servers we launch.
exec 9>"$CACHE_DIR/.lock"
if ! flock -n 9; then
  log "waiting for the lock on $CACHE_DIR/.lock"
  flock 9
fi

# ---------------------------------------------------------------- process helpers
# name -> the string its /proc cmdline must contain. The absolute paths inside the cache
# folder make sure we never signal an unrelated java or python process that reused a PID.
marker() {
  case $1 in
    ddb) echo "$DDB_JAR" ;;
    s3) echo "$MOTO_BIN" ;;
  esac
}

# Prints the saved PID of server $1 if that process still runs and is ours.
live_pid() {
  local f="$CACHE_DIR/$1.pid" pid
  [[ -f $f ]] || return 1
  pid="$(<"$f")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$(marker "$1")" || return 1
  echo "$pid"
}

saved_port() { cat "$CACHE_DIR/$1.port" 2>/dev/null; }

# True if something listens on TCP port $1 (any address: DynamoDB Local binds to *).
port_busy() {
  if command -v ss >/dev/null; then
    [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
  else
    (exec 2>/dev/null; : </dev/tcp/127.0.0.1/"$1")
  fi
}

# A dummy SigV4-looking header: neither server checks signatures, but both expect one.
readonly AUTH_HDR="Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/SERVICE/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000"

http_code() {
  # --noproxy: never route loopback checks through an HTTP(S)_PROXY from the environment.
  curl -s -o /dev/null -w '%{http_code}' --noproxy '*' --max-time 3 "$@" 2>/dev/null || true
}

ddb_ready() {
  [[ "$(http_code -X POST "http://127.0.0.1:$1/" \
    -H 'Content-Type: application/x-amz-json-1.0' \
    -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
    -H "X-Amz-Date: 20240101T000000Z" \
    -H "${AUTH_HDR/SERVICE/dynamodb}" \
    -d '{}')" == 200 ]]
}

s3_ready() {
  [[ "$(http_code "http://127.0.0.1:$1/" \
    -H "X-Amz-Date: 20240101T000000Z" \
    -H "${AUTH_HDR/SERVICE/s3}")" == 200 ]]
}

print_env() {
  local ddb_url="http://127.0.0.1:$1" s3_url="http://127.0.0.1:$2"
  # 127.0.0.1, not localhost: with an IP host the S3 SDKs switch to path-style addressing,
  # with localhost they try bucket.localhost, which does not resolve here.
  cat >&3 <<EOF
export AWS_ENDPOINT_URL_DYNAMODB=$ddb_url
export AWS_ENDPOINT_URL_DYNAMODB_STREAMS=$ddb_url
export AWS_ENDPOINT_URL_S3=$s3_url
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_EC2_METADATA_DISABLED=true
EOF
}

# ---------------------------------------------------------------- install
install_ddb() {
  local stamp="$DDB_DIR/.installed" want="$DDB_NPM_PKG $DDB_JAR_SHA256"
  if [[ -f $stamp && "$(<"$stamp")" == "$want" ]]; then
    return 0
  fi
  command -v npm >/dev/null || die "npm is needed to fetch DynamoDB Local"
  log "installing DynamoDB Local from npm $DDB_NPM_PKG"
  local work="$CACHE_DIR/tmp-ddb"
  rm -rf "$work" "$DDB_DIR"
  mkdir -p "$work"
  # npm pack only downloads the tarball (no dependencies, no install scripts).
  (cd "$work" && npm pack --silent --cache "$CACHE_DIR/npm-cache" \
    --no-audit --no-fund --loglevel=error "$DDB_NPM_PKG" >/dev/null)
  tar -xzf "$work"/amplify-dynamodb-simulator-*.tgz -C "$work" package/emulator
  local sum
  sum="$(sha256sum "$work/package/emulator/DynamoDBLocal.jar" | cut -d' ' -f1)"
  [[ $sum == "$DDB_JAR_SHA256" ]] || die "DynamoDBLocal.jar sha256 is $sum, expected $DDB_JAR_SHA256"
  mv "$work/package/emulator" "$DDB_DIR"
  rm -rf "$work"
  echo "$want" >"$stamp"   # last: a half-done install is redone next time
}

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
  if PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q --disable-pip-version-check \
    --no-warn-script-location --target "$UV_DIR" "$UV_SPEC" >&2 &&
    "$UV_DIR/bin/uv" --version >&2; then
    echo "$UV_SPEC" >"$stamp"
    echo "$UV_DIR/bin/uv"
  else
    log "could not install $UV_SPEC; falling back to pip"
    rm -rf "$UV_DIR"
  fi
}

install_moto() {
  # The stamp records the venv path too: venvs are not relocatable, so a moved cache
  # folder reinstalls.
  local stamp="$MOTO_VENV/.installed" want="$MOTO_SPEC $MOTO_VENV"
  if [[ -f $stamp && "$(<"$stamp")" == "$want" ]]; then
    return 0
  fi
  log "installing $MOTO_SPEC"
  rm -rf "$MOTO_VENV"
  local py uv
  py="$(python3 -c 'import sys; print(sys.executable)')"   # the real one, not a pyenv shim
  uv="$(ensure_uv)"
  if [[ -n $uv ]]; then
    # UV_PYTHON_DOWNLOADS=never: uv must use the machine's Python, not fetch one.
    UV_CACHE_DIR="$CACHE_DIR/uv-cache" UV_PYTHON_DOWNLOADS=never \
      "$uv" venv -q -p "$py" "$MOTO_VENV"
    UV_CACHE_DIR="$CACHE_DIR/uv-cache" UV_PYTHON_DOWNLOADS=never \
      "$uv" pip install -q -p "$MOTO_VENV/bin/python" "$MOTO_SPEC"
  else
    "$py" -m venv "$MOTO_VENV"
    "$MOTO_VENV/bin/python" -m pip install -q "$MOTO_SPEC"
  fi
  [[ -x $MOTO_BIN ]] || die "moto_server missing after install"
  echo "$want" >"$stamp"
}

install_all() {
  command -v java >/dev/null || die "java is needed for DynamoDB Local"
  # The two installs are independent; run them in parallel and fail if either fails.
  install_ddb &
  local ddb_job=$!
  install_moto &
  local moto_job=$!
  local rc=0
  wait "$ddb_job" || rc=1
  wait "$moto_job" || rc=1
  [[ $rc == 0 ]] || die "install failed (see messages above)"
}

# ---------------------------------------------------------------- start / stop
# Launch a server detached from us: own session (a Ctrl-C meant for the caller doesn't hit
# it), stdin from /dev/null, output to a log, and fd 3 (our stdout, possibly the pipe of a
# `$(...)`) and fd 9 (the lock) closed, so neither the caller's command substitution nor
# the lock waits for the server's lifetime. setsid does not fork here (a background child
# is never a process-group leader), so $! is the server's own PID.
launch() {
  local name=$1 port=$2 workdir=$3
  shift 3
  (cd "$workdir" && exec setsid "$@" </dev/null >"$CACHE_DIR/$name.log" 2>&1 3>&- 9>&-) &
  echo $! >"$CACHE_DIR/$name.pid"
  echo "$port" >"$CACHE_DIR/$name.port"
}

started=()

stop_pids() {
  # SIGTERM the given PIDs, wait up to 10 s, then SIGKILL the survivors.
  local pids=("$@") pid i
  [[ ${#pids[@]} -gt 0 ]] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    local alive=()
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null && alive+=("$pid")
    done
    [[ ${#alive[@]} -eq 0 ]] && return 0
    sleep 0.1
  done
  log "sending SIGKILL to ${alive[*]}"
  kill -KILL "${alive[@]}" 2>/dev/null || true
}

cmd_stop() {
  local name pid pids=()
  for name in ddb s3; do
    if pid="$(live_pid "$name")"; then
      log "stopping $name (pid $pid)"
      pids+=("$pid")
    fi
  done
  stop_pids "${pids[@]}"
  rm -f "$CACHE_DIR"/ddb.pid "$CACHE_DIR"/s3.pid "$CACHE_DIR"/ddb.port "$CACHE_DIR"/s3.port
  [[ ${#pids[@]} -gt 0 ]] || log "nothing was running"
}

abort_start() {
  log "error: $*"
  local name pids=()
  for name in "${started[@]}"; do
    log "--- last lines of $CACHE_DIR/$name.log"
    tail -n 20 "$CACHE_DIR/$name.log" >&2 || true
    pids+=("$(<"$CACHE_DIR/$name.pid")")
  done
  stop_pids "${pids[@]}"
  for name in "${started[@]}"; do rm -f "$CACHE_DIR/$name.pid" "$CACHE_DIR/$name.port"; done
  exit 1
}

cmd_start() {
  local t0=$SECONDS ddb_pid s3_pid ddb_port s3_port
  if ddb_pid="$(live_pid ddb)" && s3_pid="$(live_pid s3)"; then
    ddb_port="$(saved_port ddb)" s3_port="$(saved_port s3)"
    if ddb_ready "$ddb_port" && s3_ready "$s3_port"; then
      log "reusing running servers (dynamodb pid $ddb_pid :$ddb_port, s3 pid $s3_pid :$s3_port)"
      print_env "$ddb_port" "$s3_port"
      return 0
    fi
  fi

  # Refuse busy ports before spending time on an install (checked again at launch).
  if ! live_pid ddb >/dev/null && port_busy "$DDB_PORT"; then
    die "port $DDB_PORT (EMU_DDB_PORT) is held by another process"
  fi
  if ! live_pid s3 >/dev/null && port_busy "$S3_PORT"; then
    die "port $S3_PORT (EMU_S3_PORT) is held by another process"
  fi

  install_all
  log "installed in $((SECONDS - t0)) s"

  local t1=$SECONDS
  if ddb_pid="$(live_pid ddb)"; then
    ddb_port="$(saved_port ddb)"
    log "reusing DynamoDB Local (pid $ddb_pid, port $ddb_port)"
  else
    ddb_port=$DDB_PORT
    port_busy "$ddb_port" && die "port $ddb_port (EMU_DDB_PORT) is held by another process"
    # No bind-address option exists: DynamoDB Local listens on all interfaces.
    launch ddb "$ddb_port" "$DDB_DIR" java -Djava.library.path="$DDB_DIR/DynamoDBLocal_lib" \
      -jar "$DDB_JAR" -inMemory -sharedDb -disableTelemetry -port "$ddb_port"
    started+=(ddb)
  fi
  if s3_pid="$(live_pid s3)"; then
    s3_port="$(saved_port s3)"
    log "reusing moto_server (pid $s3_pid, port $s3_port)"
  else
    s3_port=$S3_PORT
    port_busy "$s3_port" && abort_start "port $s3_port (EMU_S3_PORT) is held by another process"
    launch s3 "$s3_port" "$CACHE_DIR" env PYTHONUNBUFFERED=1 "$MOTO_BIN" -H 127.0.0.1 -p "$s3_port"
    started+=(s3)
  fi

  local ddb_ok=0 s3_ok=0 name
  while ((SECONDS - t1 < TIMEOUT)); do
    for name in "${started[@]}"; do
      # Only existence counts here: until its `exec` chain completes, the new process still
      # shows the launching shell's command line, which live_pid would not recognise.
      kill -0 "$(<"$CACHE_DIR/$name.pid")" 2>/dev/null || abort_start "$name server exited during startup"
    done
    ((ddb_ok)) || { ddb_ready "$ddb_port" && ddb_ok=1 && log "DynamoDB Local answers on :$ddb_port"; }
    ((s3_ok)) || { s3_ready "$s3_port" && s3_ok=1 && log "moto_server answers on :$s3_port"; }
    ((ddb_ok && s3_ok)) && break
    sleep 0.2
  done
  ((ddb_ok && s3_ok)) || abort_start "servers did not answer within $TIMEOUT s"
  log "ready in $((SECONDS - t0)) s (logs in $CACHE_DIR/*.log)"
  print_env "$ddb_port" "$s3_port"
}

cmd_env() {
  if ! live_pid ddb >/dev/null || ! live_pid s3 >/dev/null; then
    die "emulators are not running for $CACHE_DIR; run 'emulators.sh start' first"
  fi
  print_env "$(saved_port ddb)" "$(saved_port s3)"
}

cmd_status() {
  local rc=0 name pid label
  for name in ddb s3; do
    [[ $name == ddb ]] && label=dynamodb || label=s3
    if pid="$(live_pid "$name")"; then
      echo "$label: running, pid $pid, http://127.0.0.1:$(saved_port "$name")" >&3
    else
      echo "$label: stopped" >&3
      rc=3
    fi
  done
  return "$rc"
}

case $cmd in
  start) cmd_start ;;
  env) cmd_env ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
esac
