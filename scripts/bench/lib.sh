# Shared by the scripts in scripts/bench/ (sourced, not run).
#
# Conventions of every benchmark script:
# - a release build of billwh (`swift build -c release --product billwh`), or $BILLWH;
# - generated data only, kept in $BENCH_DIR (default /tmp/billwh-bench), never in the repository;
# - each timing is the best of $BENCH_RUNS runs (default 3; 1 with QUICK=1), the reference measured
#   in the same run on the same data;
# - one table of figures on stdout, ratios against the reference, and exit status 1 when a
#   target is missed (2 when the benchmark itself could not run);
# - when $BENCH_RESULTS names a file, each row of the table is appended to it (tab separated), so
#   that scripts/bench/run-all can print one combined table.

set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_WORK=${BENCH_DIR:-/tmp/billwh-bench}
QUICK=${QUICK:-0}
if [[ "$QUICK" == 1 ]]; then BENCH_RUNS=${BENCH_RUNS:-1}; else BENCH_RUNS=${BENCH_RUNS:-3}; fi
mkdir -p "$BENCH_WORK"

bench_die() { echo "${BENCH_NAME:-bench}: $*" >&2; exit 2; }
bench_note() { echo "${BENCH_NAME:-bench}: $*" >&2; }

command -v sqlite3 >/dev/null || bench_die "sqlite3 is needed (apt-get install sqlite3)"

# Builds billwh (release) unless $BILLWH names a binary; exports BILLWH.
bench_build() {
    if [[ -n "${BILLWH:-}" ]]; then
        [[ -x "$BILLWH" ]] || bench_die "BILLWH=$BILLWH is not executable"
    else
        bench_note "building billwh (release)…"
        (cd "$BENCH_ROOT" && swift build -c release --product billwh >&2) || bench_die "the release build failed"
        # A private copy: another build of the shared .build folder must not swap the binary mid-run.
        mkdir -p "$BENCH_WORK/bin"
        cp "$(cd "$BENCH_ROOT" && swift build -c release --show-bin-path)/billwh" "$BENCH_WORK/bin/billwh.tmp"
        mv "$BENCH_WORK/bin/billwh.tmp" "$BENCH_WORK/bin/billwh"
        BILLWH=$BENCH_WORK/bin/billwh
        BENCH_BUILT_FROM="release build of $(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")"
        [[ -z "$(git -C "$BENCH_ROOT" status --porcelain -- Sources migrations Package.swift 2>/dev/null)" ]] \
            || BENCH_BUILT_FROM+=" + uncommitted changes of Sources/"
        export BENCH_BUILT_FROM
    fi
    export BILLWH
}

# Runs billwh with only the Copaco sandbox configured: no 2tCloud credentials, no config file,
# no $BILLWH_DB from the caller's environment. $BENCH_WRAP (words) is put in front, e.g.
# "/usr/bin/time -v -o FILE".
billwh_copaco() {
    local wrap=(${BENCH_WRAP:-})
    "${wrap[@]}" env -u BILLWH_CONFIG_FILE -u BILLWH_DB -u BILLWH_TWOTCLOUD_ACCOUNT_ID -u BILLWH_TWOTCLOUD_API_KEY \
        -u BILLWH_TWOTCLOUD_API_KEY_FILE -u BILLWH_COPACO_API_KEY_FILE \
        BILLWH_COPACO_BASE_URL="${SANDBOX_URL:-http://127.0.0.1:1}" BILLWH_COPACO_API_KEY=sandbox-copaco-key \
        BILLWH_COPACO_API_KEY_HEADER=X-Api-Key BILLWH_LOG_LEVEL="${BILLWH_LOG_LEVEL:-warning}" \
        "$BILLWH" "$@"
}

# billwh_twotcloud ARGS…: billwh against window_shape.py's 2tCloud routes (Basic 12345:sandbox-2tcloud-key).
billwh_twotcloud() {
    local wrap=(${BENCH_WRAP:-})
    "${wrap[@]}" env -u BILLWH_CONFIG_FILE -u BILLWH_DB -u BILLWH_COPACO_API_KEY -u BILLWH_COPACO_API_KEY_FILE \
        -u BILLWH_TWOTCLOUD_API_KEY_FILE BILLWH_TWOTCLOUD_BASE_URL="${SANDBOX_URL:-http://127.0.0.1:1}" \
        BILLWH_TWOTCLOUD_ACCOUNT_ID=12345 BILLWH_TWOTCLOUD_API_KEY=sandbox-2tcloud-key \
        BILLWH_LOG_LEVEL="${BILLWH_LOG_LEVEL:-warning}" "$BILLWH" "$@"
}

now_ns() { date +%s%N; }

# best_of RUNS PREPARE RUN: calls PREPARE (untimed) then RUN (timed), RUNS times; prints the
# fastest wall time of RUN in seconds. A failing RUN ends the script.
best_of() {
    local runs=$1 prepare=$2 run=$3 best="" i start ns
    for ((i = 0; i < runs; i++)); do
        "$prepare"
        start=$(now_ns)
        "$run" || bench_die "$run failed (see the files in $BENCH_WORK)"
        ns=$(( $(now_ns) - start ))
        if [[ -z "$best" || $ns -lt $best ]]; then best=$ns; fi
    done
    awk -v ns="$best" 'BEGIN { printf "%.3f", ns / 1e9 }'
}
nothing() { :; }

# Sandbox -----------------------------------------------------------------------------------

SANDBOX_PID=""
SANDBOX_URL=""
# sandbox_start LOGNAME ARGS…: `billwh sandbox --port 0 ARGS…` in the background; sets
# SANDBOX_URL and SANDBOX_PID; stopped when the script exits.
sandbox_start() {
    local log="$BENCH_WORK/$1.sandbox"; shift
    sandbox_stop
    "$BILLWH" sandbox --port 0 "$@" >"$log.out" 2>"$log.err" &
    SANDBOX_PID=$!
    trap 'sandbox_stop' EXIT
    local waited=0
    until grep -q "base URL" "$log.out" 2>/dev/null; do
        kill -0 "$SANDBOX_PID" 2>/dev/null || bench_die "the sandbox did not start: $(cat "$log.err")"
        sleep 0.2
        waited=$((waited + 1))
        ((waited < 3000)) || bench_die "the sandbox did not start within 10 minutes"
    done
    SANDBOX_URL=$(awk '/base URL/ { print $3; exit }' "$log.out")
    bench_note "sandbox at $SANDBOX_URL ($(grep -m1 'GET /api/v1/invoices' "$log.out" | awk '{ print $(NF-4), "invoice documents,", $(NF-2), "price lines" }'))"
}
sandbox_stop() {
    if [[ -n "$SANDBOX_PID" ]]; then
        kill "$SANDBOX_PID" 2>/dev/null || true
        wait "$SANDBOX_PID" 2>/dev/null || true
        SANDBOX_PID=""
    fi
}
# Price lines the running sandbox serves on an endpoint (all dates).
sandbox_lines() { awk -v ep="/api/v1/$2" '$2 == ep { print $(NF-2); exit }' "$BENCH_WORK/$1.sandbox.out"; }

# Figures ---------------------------------------------------------------------------------

fmt_int() { LC_ALL=C awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); out = ""; while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) } print s out }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f", a / b }'; }
# meets VALUE OP LIMIT: OP is <= or >= or <.
meets() { awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { if (op == "<=") exit !(v <= l); if (op == ">=") exit !(v >= l); if (op == "<") exit !(v < l); exit 1 }'; }
# Peak RSS in MB from a `/usr/bin/time -v` output file.
peak_rss_mb() { awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); printf "%.0f", $2 / 1024 }' "$1"; }

BENCH_ROWS_ID=(); BENCH_ROWS_WHAT=(); BENCH_ROWS_BILLWH=(); BENCH_ROWS_REF=(); BENCH_ROWS_RATIO=(); BENCH_ROWS_TARGET=(); BENCH_ROWS_RESULT=()
BENCH_MISSED=0
BENCH_ERROR=0
# bench_row ID WHAT BILLWH REFERENCE RATIO TARGET RESULT (RESULT: ok, MISS, or error: not measured)
bench_row() {
    BENCH_ROWS_ID+=("$1"); BENCH_ROWS_WHAT+=("$2"); BENCH_ROWS_BILLWH+=("$3"); BENCH_ROWS_REF+=("$4")
    BENCH_ROWS_RATIO+=("$5"); BENCH_ROWS_TARGET+=("$6"); BENCH_ROWS_RESULT+=("$7")
    [[ "$7" != MISS ]] || BENCH_MISSED=1
    [[ "$7" != error ]] || BENCH_ERROR=1
    if [[ -n "${BENCH_RESULTS:-}" ]]; then
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$BENCH_RESULTS"
    fi
}
# check_row ID WHAT BILLWH REFERENCE RATIO OP LIMIT: a row whose RATIO must be OP LIMIT.
check_row() {
    local result=ok
    meets "$5" "$6" "$7" || result=MISS
    bench_row "$1" "$2" "$3" "$4" "$5×" "$6 $7×" "$result"
}

bench_machine_note() {
    echo "Figures from a shared machine ($(nproc) cores, other people's builds and tests running; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)): treat them as ±20%."
    echo "billwh: ${BENCH_BUILT_FROM:-$BILLWH}; best of $BENCH_RUNS runs per timing unless the row says otherwise; data in $BENCH_WORK."
}

# Prints the rows (given as TSV on stdin) as one aligned table.
bench_format_table() {
    awk -F'\t' '
        { for (i = 1; i <= 7; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
        END {
            split("id|benchmark|billwh|reference|ratio|target|result", h, "|")
            for (i = 1; i <= 7; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
            line = ""; for (i = 1; i <= 7; i++) line = line sprintf("%-" w[i] "s  ", h[i]); print line
            line = ""; for (i = 1; i <= 7; i++) { d = ""; for (j = 0; j < w[i]; j++) d = d "-"; line = line d "  " } print line
            for (r = 1; r <= NR; r++) { line = ""; for (i = 1; i <= 7; i++) line = line sprintf("%-" w[i] "s  ", cell[r, i]); print line }
        }'
}

# Prints this script's table and exits 1 if a target was missed.
bench_finish() {
    local i
    echo
    for i in "${!BENCH_ROWS_ID[@]}"; do
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${BENCH_ROWS_ID[$i]}" "${BENCH_ROWS_WHAT[$i]}" "${BENCH_ROWS_BILLWH[$i]}" \
            "${BENCH_ROWS_REF[$i]}" "${BENCH_ROWS_RATIO[$i]}" "${BENCH_ROWS_TARGET[$i]}" "${BENCH_ROWS_RESULT[$i]}"
    done | bench_format_table
    [[ "${BENCH_QUIET_NOTE:-0}" == 1 ]] || bench_machine_note
    if [[ $BENCH_ERROR == 1 ]]; then
        echo "$BENCH_NAME: a measurement failed"
        exit 2
    fi
    if [[ $BENCH_MISSED == 1 ]]; then
        echo "$BENCH_NAME: target missed"
        exit 1
    fi
    echo "$BENCH_NAME: ok"
}

# A checkpointed copy of a warehouse file (no -wal beside it).
copy_db() {
    sqlite3 "$1" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    rm -f "$2" "$2-wal" "$2-shm"
    cp "$1" "$2"
    # Flushed before any timed run: a fresh copy leaves the whole file dirty in the page cache,
    # and the first fsync of the run being timed would pay for writing the copy out (1.5 s of
    # a 2.4 s nightly over a 1.3 GB history).
    sync "$2"
}
rm_db() { rm -f "$1" "$1-wal" "$1-shm" "$1.lock"; }

# A fingerprint of the schema (migrations/), to know when a cached database must be rebuilt.
migrations_hash() { cat "$BENCH_ROOT"/migrations/*.sql | sha256sum | cut -c1-12; }
