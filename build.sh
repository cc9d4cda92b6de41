#!/usr/bin/env bash
# Concierge's one entry point: installs what is missing, builds, runs the demo, the tests and the benchmark.
#
#   ./build.sh demo    build everything and run the demo shop and backend (PORT=8080 by default)
#   ./build.sh test    every test layer: format, lints, native, browser and end-to-end tests
#   ./build.sh build   build the agent (release Wasm, optimised) and the backend
#   ./build.sh bench   measure size, page cost, speed and memory against peer agents; writes bench/REPORT.md
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$PWD
PORT=${PORT:-8080}
HOST=${HOST:-127.0.0.1}
WASM_TARGET=wasm32-unknown-unknown
PKG_DIR=$ROOT/www/concierge/pkg
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi
}

APT_UPDATED=
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "Installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The shipped Wasm is built by one toolchain on every machine, Debian's rustc-web with its std
# built from source (-Zbuild-std): rustup's toolchains here ship no wasm32 std, and where one
# does, its prebuilt std keeps the panic and formatting machinery the size budget is measured
# without. One toolchain makes the budget exact everywhere.
ensure_wasm_toolchain() {
  apt_install rustc-web cargo-web rust-web-src rust-web-clippy lld-22
}

# Runs Debian's cargo for the wasm32 target, in its own target directory. std is built with its
# `optimize_for_size` feature, its own choice of smaller algorithms where it has two (-324 B of
# Wasm gzipped, docs/decisions.md).
wasm_cargo() {
  local command=$1; shift
  PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS="${WASM_RUSTFLAGS:-}" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22 CARGO_TARGET_DIR="$ROOT/target/debian" \
    /usr/bin/cargo "$command" --target "$WASM_TARGET" -Zbuild-std=std,panic_abort \
    -Zbuild-std-features=optimize_for_size "$@"
}

ensure_node_modules() {
  command -v npm >/dev/null || apt_install nodejs npm
  if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "Installing npm packages (wasm-opt, esbuild, playwright-core)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

ensure_browser() {
  apt_install chromium
}

# A throwaway PostgreSQL cluster for the backend tests, stopped when the script exits.
# initdb refuses to run as root, so the cluster belongs to the postgres user.
# Under CI=true a PostgreSQL that cannot start fails the run; elsewhere the backend tests run
# on SQLite alone, with a warning.
PG_DIR=
postgres_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

postgres_unavailable() {
  if [ "${CI:-}" = true ]; then
    die "PostgreSQL is required under CI=true, but $1"
  fi
  printf '\n\033[1;33mWARNING: backend tests run on SQLite only: %s\033[0m\n' "$1" >&2
}

start_postgres() {
  local bin port
  bin=$(postgres_bin_dir)
  if [ -z "$bin" ]; then
    apt_install postgresql || true
    bin=$(postgres_bin_dir)
  fi
  if [ -z "$bin" ]; then
    postgres_unavailable "no PostgreSQL server binaries were found under /usr/lib/postgresql"
    return 0
  fi
  PG_DIR=$(mktemp -d /tmp/concierge-pg.XXXXXX)
  trap stop_postgres EXIT
  port=$((20000 + RANDOM % 20000))
  local as_postgres=()
  [ "$(id -u)" -eq 0 ] && { chown postgres "$PG_DIR"; as_postgres=(runuser -u postgres --); }
  if ! "${as_postgres[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1; then
    postgres_unavailable "initdb failed: $(tail -n 3 "$PG_DIR/initdb.log")"
    return 0
  fi
  if ! "${as_postgres[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null; then
    postgres_unavailable "the test cluster did not start: $(tail -n 3 "$PG_DIR/log" 2>/dev/null)"
    return 0
  fi
  export CONCIERGE_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL test cluster on port $port" >&2
}

stop_postgres() {
  [ -n "$PG_DIR" ] || return 0
  local bin
  bin=$(postgres_bin_dir)
  if [ -n "$bin" ] && [ -d "$PG_DIR/data" ]; then
    if [ "$(id -u)" -eq 0 ]; then
      runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    else
      "$bin/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$PG_DIR"
  PG_DIR=
}

# How the shipped Wasm is optimised (build_agent says why each flag), and the benchmark's
# Wasm with it, so that the benchmark times the code as it ships.
WASM_OPT_FLAGS=(
  --low-memory-unused --one-caller-inline-max-function-size=17
  -Oz -Oz --flatten --rereloop -Oz -Oz --reorder-functions-by-name
  --strip-debug --strip-producers --strip-target-features
)
# The Wasm features the agent's code uses, for every wasm-opt run over it.
WASM_FEATURES=(
  --enable-bulk-memory --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int
  --enable-reference-types --enable-multivalue
)
WASM_OPT_FLAGS+=("${WASM_FEATURES[@]}")

# An optimised Wasm's functions laid out by similarity, for gzip: src/web/wasm-order.mjs names
# them in the order it chooses and a second wasm-opt lays them out by those names. That run
# writes the code as the first did (its stack IR optimised at the same levels) and drops the
# names. Core Wasm −1,736 B, the tcf module's −175 B gzipped (docs/decisions.md, 2026-12-06).
order_wasm() {
  local input=$1 output=$2 named
  named=$(mktemp "$ROOT/target/named.XXXXXX.wasm")
  node src/web/wasm-order.mjs "$input" "$named"
  node_modules/.bin/wasm-opt --reorder-functions-by-name --generate-stack-ir --optimize-stack-ir \
    --optimize-level=2 --shrink-level=2 --strip-debug "${WASM_FEATURES[@]}" "$named" -o "$output"
  rm -f "$named"
}

# The shipped Wasm's optimisation: wasm-opt's passes (WASM_OPT_FLAGS), then the functions laid
# out by similarity (order_wasm).
optimise_wasm() {
  local input=$1 output=$2 optimised
  optimised=$(mktemp "$ROOT/target/optimised.XXXXXX.wasm")
  node_modules/.bin/wasm-opt "${WASM_OPT_FLAGS[@]}" "$input" -o "$optimised"
  order_wasm "$optimised" "$output"
  rm -f "$optimised"
}

# How the shipped Wasm (core, benchmark, modules) is compiled: with std built here anyway, panics
# abort without their formatting machinery, and so without the file and line of each panic site,
# which nothing would ever print. LLVM's function merging makes a function identical to another
# a call to it (trampolines: each keeps its own address; the default, aliases, leaves the Wasm
# as it was): −160 B gzipped. (LLVM's inliner held to a threshold of 10 saved 138 B more but
# made a tracked event about 30% slower in the page: dropped, docs/decisions.md, 2026-12-06.)
SHIPPED_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zmerge-functions=trampolines"

build_agent() {
  ensure_wasm_toolchain
  ensure_node_modules
  step "Building the engine (wasm32, release)"
  WASM_RUSTFLAGS=$SHIPPED_RUSTFLAGS wasm_cargo build --lib --profile wasm-release --locked
  local wasm version
  wasm="$ROOT/target/debian/$WASM_TARGET/wasm-release/concierge.wasm"
  rm -rf "$PKG_DIR" www/concierge/modules
  mkdir -p "$PKG_DIR"
  step "Optimising the Wasm with wasm-opt"
  # --low-memory-unused: Rust's wasm32 layout puts the bottom of the 1 MB stack at address 0,
  # so the low 1 KB is reached only by a stack already overflowing; binaryen may then fold
  # constant offsets into loads and stores (-518 B gzipped). Target_features is a section for
  # linkers only (-107 B). -ocimfs: a function with one caller is inlined only when small;
  # inlining every one into the exports' giant bodies hid their repeats from gzip (-1,803 B).
  # Then the control flow of every function is rebuilt once by binaryen's relooper (--flatten
  # --rereloop) and shrunk again: the same program, with fewer blocks and branches than LLVM's
  # structuring left. Last, functions are laid out by their (mangled) names, which puts a
  # module's functions and a generic's copies side by side, where gzip's 32 KB window finds
  # their repeats: -640 B against ordering by calls (--reorder-functions), whose one-byte
  # indices saved less. docs/decisions.md, 2026-12-05.
  # Then the functions are laid out again, each beside the one most like it (order_wasm,
  # src/web/wasm-order.mjs: −1,736 B against the by-name order alone).
  optimise_wasm "$wasm" "$PKG_DIR/concierge_bg.wasm"
  step "Bundling the shell and the loader (src/web/*.js) with esbuild"
  version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
  node src/web/bundle.mjs "$version"
  build_module_wasm tcf concierge-tcf
  build_module_wasm assistant concierge-assistant
  report_sizes
}

# A lazy module's own Wasm (modules/<name>.wasm beside its .js), from its workspace crate
# (modules/<name>): the same toolchain and std as the core, optimised by wasm-opt for size.
build_module_wasm() {
  local name=$1 crate=$2
  step "Building the $name module's Wasm (modules/$name, wasm32, release)"
  WASM_RUSTFLAGS=$SHIPPED_RUSTFLAGS wasm_cargo build -p "$crate" --lib --profile wasm-release --locked
  mkdir -p www/concierge/modules
  local optimised
  optimised=$(mktemp "$ROOT/target/optimised.XXXXXX.wasm")
  node_modules/.bin/wasm-opt --low-memory-unused --one-caller-inline-max-function-size=30 \
    -Oz --converge --reorder-functions --strip-debug --strip-producers --strip-target-features \
    "${WASM_FEATURES[@]}" "$ROOT/target/debian/$WASM_TARGET/wasm-release/${crate//-/_}.wasm" -o "$optimised"
  order_wasm "$optimised" "www/concierge/modules/$name.wasm"
  rm -f "$optimised"
}

build_server() {
  step "Building the backend"
  cargo build --release --locked -p concierge-server
}

gz_size() { gzip -9c "$1" | wc -c | tr -d ' '; }

# The core agent's download budget: loader + shell + Wasm, gzip -9, in bytes (the file's first
# number), and one line `name bytes` per lazy module (www/concierge/modules/<name>.js). Each may be
# lowered freely; raising one needs an entry in docs/decisions.md with the figure and the reason.
SIZE_BUDGET_FILE=$ROOT/size-budget
LOADER_BUDGET=1536

core_size() {
  local total=0 file
  for file in www/concierge/loader.js "$PKG_DIR/concierge.js" "$PKG_DIR/concierge_bg.wasm"; do
    total=$((total + $(gz_size "$file")))
  done
  echo "$total"
}

check_size_budget() {
  local budget size
  budget=$(grep -Eo '^[0-9]+' "$SIZE_BUDGET_FILE" | head -n 1)
  [ -n "$budget" ] || die "$SIZE_BUDGET_FILE holds no byte count"
  size=$(core_size)
  step "Size budget: core agent $size bytes gzipped, budget $budget"
  if [ "$size" -gt "$budget" ]; then
    die "the core agent is $size bytes gzipped, over its budget of $budget ($SIZE_BUDGET_FILE)"
  fi
  # The loader runs first on every page, before anything else of the agent: 1.5 KB of its own.
  local loader
  loader=$(gz_size www/concierge/loader.js)
  if [ "$loader" -gt "$LOADER_BUDGET" ]; then
    die "the loader is $loader bytes gzipped, over its budget of $LOADER_BUDGET"
  fi
  # Each lazy module has its own line in the budget file, `name bytes`: a module without one
  # fails, so no module grows unmeasured.
  local module name module_budget
  for module in www/concierge/modules/*.js; do
    [ -e "$module" ] || continue
    name=$(basename "$module" .js)
    module_budget=$(awk -v name="$name" '$1 == name { print $2; exit }' "$SIZE_BUDGET_FILE")
    [ -n "$module_budget" ] || die "the lazy module $name has no budget line in $SIZE_BUDGET_FILE"
    # A module's download is its .js and, when it brings one, its .wasm.
    size=$(gz_size "$module")
    [ -e "${module%.js}.wasm" ] && size=$((size + $(gz_size "${module%.js}.wasm")))
    step "Size budget: lazy module $name $size bytes gzipped, budget $module_budget"
    if [ "$size" -gt "$module_budget" ]; then
      die "the lazy module $name is $size bytes gzipped, over its budget of $module_budget"
    fi
  done
}

report_sizes() {
  local file
  for file in www/concierge/loader.js "$PKG_DIR/concierge.js" "$PKG_DIR/concierge_bg.wasm" www/concierge/modules/*.js www/concierge/modules/*.wasm; do
    [ -e "$file" ] || continue
    printf '  %-34s %7d bytes, %6d gzipped\n' "${file#"$ROOT"/}" "$(wc -c <"$file")" "$(gz_size "$file")" >&2
  done
}

start_server() {
  local data_dir=${CONCIERGE_DATA_DIR:-$ROOT/.data}
  local server="$ROOT/target/release/concierge-server"
  mkdir -p "$data_dir"
  # Demo tokens, unless the caller configured real ones; the server keeps only their hashes.
  if [ -z "${CONCIERGE_STAFF_TOKEN_HASHES:-}" ]; then
    CONCIERGE_STAFF_TOKEN_HASHES=$("$server" hash-token demo-staff)
    export CONCIERGE_STAFF_TOKEN_HASHES
    echo "Staff console: http://$HOST:$PORT/staff/ (demo token: demo-staff)"
  fi
  if [ -z "${CONCIERGE_PRIVACY_TOKEN_HASHES:-}" ]; then
    CONCIERGE_PRIVACY_TOKEN_HASHES=$("$server" hash-token demo-privacy)
    export CONCIERGE_PRIVACY_TOKEN_HASHES
    echo "Privacy admin: http://$HOST:$PORT/admin/ (demo token: demo-privacy)"
  fi
  if [ -z "${CONCIERGE_MARKETER_TOKEN_HASHES:-}" ]; then
    CONCIERGE_MARKETER_TOKEN_HASHES=$("$server" hash-token demo-marketer)
    export CONCIERGE_MARKETER_TOKEN_HASHES
  fi
  exec "$server" --host "$HOST" --port "$PORT" --www "$ROOT/www" --data-dir "$data_dir" \
    --documents "$ROOT/documents"
}

run_demo() {
  build_agent
  build_server
  step "Starting the demo shop and backend (Ctrl-C stops it)"
  start_server
}

run_tests() {
  ensure_wasm_toolchain
  ensure_node_modules
  ensure_browser

  step "Formatting (cargo fmt --check)"
  cargo fmt --all -- --check

  step "Lints, native (clippy -D warnings)"
  cargo clippy --workspace --all-targets --locked -- -D warnings

  step "Lints, wasm32 (clippy -D warnings)"
  wasm_cargo clippy --all-targets --locked -- -D warnings
  wasm_cargo clippy -p concierge-tcf --lib --locked -- -D warnings
  wasm_cargo clippy -p concierge-assistant --lib --locked -- -D warnings

  step "Config documents (concierge-cli check documents/*/*.json)"
  cargo run --quiet --locked -p concierge-cli -- check documents/*/*.json

  step "Native tests (engine, formats, backend on SQLite and PostgreSQL)"
  start_postgres
  cargo test --workspace --locked

  build_agent
  check_size_budget
  step "Browser tests (the built agent in Chromium on a routed test page, no backend)"
  npm run --silent browser

  step "TypeScript declarations (tsc --strict on a usage sample)"
  node_modules/.bin/tsc -p tests/types/tsconfig.json

  build_server
  step "End-to-end tests (Playwright driving Chromium on the demo shop)"
  CONCIERGE_SERVER="$ROOT/target/release/concierge-server" npm run --silent e2e
}

# The agents the benchmark compares against, pinned in bench/peers/package-lock.json. Only their
# published files are read, so no install script runs.
ensure_bench_peers() {
  if [ ! -d bench/peers/node_modules ] || [ bench/peers/package-lock.json -nt bench/peers/node_modules/.package-lock.json ]; then
    step "Installing the peer agents the benchmark measures (bench/peers)"
    npm ci --prefix bench/peers --ignore-scripts --no-audit --no-fund --loglevel=error
  fi
}

# The benchmark's own Wasm: the agent with `--features bench`, whose extra export times the JSON
# Logic evaluator from the page. Built after the shipped agent (which it never replaces: it is
# written to target/bench/) and optimised with the same wasm-opt flags, so the evaluator is
# measured as it ships.
BENCH_WASM=$ROOT/target/bench/concierge_bench.wasm
build_bench_wasm() {
  step "Building the benchmark's Wasm (the agent with the bench feature, kept out of www/)"
  WASM_RUSTFLAGS=$SHIPPED_RUSTFLAGS wasm_cargo build --lib --profile wasm-release --locked --features bench
  mkdir -p "$(dirname "$BENCH_WASM")"
  optimise_wasm "$ROOT/target/debian/$WASM_TARGET/wasm-release/concierge.wasm" "$BENCH_WASM"
}

# What the interest model (issue 12) adds to the core's Wasm: the core's unoptimised Wasm, just
# compiled by build_agent (its name section kept: `strip = false`), with the model's own functions
# returning zeros (bench/lib/stub-wasm.mjs names them), optimised as the shipped Wasm is, so that
# what only they reached goes as dead code. Built before build_bench_wasm, which recompiles that
# file; bench/lib/interest-cost.mjs compares the two.
CORE_WITHOUT_INTERESTS_WASM=$ROOT/target/bench/core-without-interests.wasm
build_core_without_interests() {
  step "Building the core's Wasm without the interest model (for the benchmark, kept out of www/)"
  mkdir -p "$(dirname "$CORE_WITHOUT_INTERESTS_WASM")"
  local stubbed
  stubbed=$(mktemp "$ROOT/target/stubbed.XXXXXX.wasm")
  node bench/lib/stub-wasm.mjs "$ROOT/target/debian/$WASM_TARGET/wasm-release/concierge.wasm" "$stubbed" \
    "${CORE_WITHOUT_INTERESTS_WASM%.wasm}.json"
  optimise_wasm "$stubbed" "$CORE_WITHOUT_INTERESTS_WASM"
  rm -f "$stubbed"
}

run_bench() {
  build_agent
  build_core_without_interests
  build_bench_wasm
  build_server
  ensure_browser
  ensure_bench_peers
  step "Building the backend ingest benchmark"
  cargo build --release --locked -q -p concierge-server --example ingest_bench
  step "Benchmark self-tests (statistics, page variants, report)"
  node --test bench/tests/
  step "Benchmark: sizes, page cost, start-up, per event, campaign decision, targeting, memory, Web Vitals, ingest (about 4 minutes)"
  CONCIERGE_SERVER="$ROOT/target/release/concierge-server" CONCIERGE_BENCH_WASM="$BENCH_WASM" \
    CONCIERGE_CORE_WITHOUT_INTERESTS="$CORE_WITHOUT_INTERESTS_WASM" node bench/run.mjs
}

case "${1:-}" in
  demo) run_demo ;;
  test) run_tests ;;
  build) build_agent; build_server ;;
  bench) run_bench ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
