#!/usr/bin/env bash
# bench/run.sh - run the host benchmark suite and write the results table.
#
# Usually started by `make bench` (which first builds the library and the
# programs). Works from any directory; it cds to the repository root.
#
# Environment (all optional):
#   QUICK=1        short mode (1 to 1.5 min): 1 warm-up + 3 runs, smaller sizes,
#                  fewer random_mixed/tiny_hot variants, callgrind on 4
#                  (one random_mixed, one tiny_hot, mid_mixed, burst).
#                  QUICK and CALLGRIND take 1/y/yes/true/on or 0/n/no/false/off
#                  (any case; empty = default); anything else is refused.
#   V=1            a progress line per run (default: one per workload)
#   RUNS=n         counted runs per allocator and workload (default 5; QUICK 3;
#                  at most 1000)
#   THREADS=n      threads for the multi-threaded workloads (default nproc;
#                  1 to 256)
#   ALLOCS="..."   allocators, from: system hakmem-preload hakmem-static
#                  mimalloc jemalloc tcmalloc minimal (default: all of them
#                  that are installed; must include system). "minimal" is
#                  bench/minimal_malloc.c, a malloc doing next to no work (no
#                  checks, no locks, no metadata): its ratio shows how much
#                  of a workload's time is the benchmark loop itself. It is
#                  not thread-safe and runs on the single-threaded workloads
#                  only (random_mixed, tiny_hot, mid_mixed, burst,
#                  py_dict).
#   PYTHON=cmd     interpreter of the py_dict workload (default python3; it
#                  runs with PYTHONMALLOC=malloc, see bench/py_dict.py).
#                  Without python3 py_dict is skipped; a PYTHON that was
#                  given and does not run stops the suite
#   CASES=regex    only workloads whose label matches (grep -E syntax; a
#                  pattern that is not valid, or matches nothing, is refused)
#   CALLGRIND=0    skip the instructions-per-op measurement (default 1)
#   OUT=dir        output directory (default bench/results, which git
#                  ignores except for the results docs/BENCHMARKS.md cites);
#                  created if missing, refused if it cannot be written
#   RUN_TIMEOUT=s  per-process time limit in seconds (default 300; 1 to
#                  86400: there is no "no limit")
# The checks of these settings (bench/settings.sh) come before anything
# runs; a bad value exits 2.
#
# Output, named after the start time and mode so that no run overwrites
# another (NAME = <YYYY-MM-DD>_<HHMMSS>_<full|quick>): Markdown table on
# stdout and in $OUT/NAME.md, raw per-run data in $OUT/NAME.tsv (its '#'
# lines record date, mode, machine, threads, hakmem commit and workload
# labels), charts in $OUT/NAME.png and NAME-rss.png (bench/chart.sh), one
# progress line per run on stderr. Exit status: 0 ok; 1 some run failed
# (marked in the table); 2 refused to start (missing or stale binaries, bad
# settings); 3 refused a result (a run's allocator identity was not the
# intended one - no number is printed for it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
die() { echo "run.sh: error: $*" >&2; exit 2; }
warn() { echo "run.sh: warning: $*" >&2; }
# shellcheck source=bench/settings.sh
. bench/settings.sh
setting_flag QUICK 0
setting_flag CALLGRIND 1
setting_flag V 0
VERBOSE=$V
RUNS=${RUNS:-$([ "$QUICK" = 1 ] && echo 3 || echo 5)}
THREADS=${THREADS:-$(nproc)}
CASES=${CASES:-}
OUT=${OUT:-bench/results}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
BIN=build/bench
HAKSO=build/libhakmem.so
HAKA=build/libhakmem.a
LIBDIR=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
PROGS="random_mixed tiny_hot larson xmalloc mstress churn large_realloc fragmentation"
read -r DATE TIME HMS < <(date '+%F %H:%M:%S %H%M%S')
MODE=$([ "$QUICK" = 1 ] && echo quick || echo full)
TMP=$(mktemp -d /tmp/hakbench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

setting_int RUNS 1 "$SETTING_RUNS_MAX"
setting_int THREADS 1 "$SETTING_THREADS_MAX" "the workloads are sized for a few threads per CPU"
setting_int RUN_TIMEOUT 1 "$SETTING_TIMEOUT_MAX" "seconds; no run goes without a limit"
setting_regex CASES
setting_python
mkdir -p "$OUT" 2>/dev/null && [ -w "$OUT" ] || die "OUT='$OUT': cannot create or write to that directory"

# set_alloc ALLOC PROG: sets PRE (library to LD_PRELOAD, "" for none), EXE
# (binary to run: for py_dict the interpreter, $PY of the workload block)
# and WANT ("alloc malloc_obj" the run must report).
set_alloc() {
  PRE="" EXE="$BIN/$2"
  [ "$2" != py_dict ] || EXE=$PY
  case $1 in
    system) WANT="glibc libc.so.6" ;;
    hakmem-preload) PRE="$ROOT/$HAKSO" WANT="hakmem libhakmem.so" ;;
    hakmem-static) EXE="$BIN/${2}_static" WANT="hakmem ${2}_static" ;;
    mimalloc) PRE="$LIBDIR/libmimalloc.so.2" WANT="mimalloc libmimalloc.so.2" ;;
    jemalloc) PRE="$LIBDIR/libjemalloc.so.2" WANT="jemalloc libjemalloc.so.2" ;;
    tcmalloc) PRE="$LIBDIR/libtcmalloc_minimal.so.4" WANT="tcmalloc libtcmalloc_minimal.so.4" ;;
    minimal) PRE="$ROOT/$BIN/libminimal.so" WANT="minimal libminimal.so" ;;
    *) die "unknown allocator '$1' (see ALLOCS in bench/run.sh)" ;;
  esac
}

# runs_on ALLOC PROG: true if ALLOC may run PROG (the minimal allocator is
# not thread-safe: single-threaded workloads only; python3 has no build
# linked with hakmem).
runs_on() {
  case $2 in
    random_mixed | tiny_hot | mid_mixed | burst) ;;
    py_dict) [ "$1" != hakmem-static ] ;;
    *) [ "$1" != minimal ] ;;
  esac
}

# get KEY LINE: sets REPLY to the value of KEY=value in LINE ("" if absent).
get() {
  if [[ " $2 " =~ " $1="([^ ]*)" " ]]; then REPLY=${BASH_REMATCH[1]}; else REPLY=""; fi
}

# rate OPS_PER_SEC: sets REPLY to the figure with an M/k suffix (no fork).
rate() {
  local v=${1%.*}
  if ((v >= 1000000)); then v=$((v / 10000)); printf -v REPLY '%d.%02dM' $((v / 100)) $((v % 100))
  elif ((v >= 1000)); then v=$((v / 10)); printf -v REPLY '%d.%02dk' $((v / 100)) $((v % 100))
  else REPLY=$v; fi
}

# run ALLOC PROG ARGS...: runs one benchmark process for ALLOC (under the
# command in the VG array, if any). Sets LINE to its RESULT line and returns
# 0, or sets WHY and returns 1. Exits 3 if the identity is not ALLOC's.
run() {
  local alloc=$1 prog=$2 rc=0 got l; shift 2
  set_alloc "$alloc" "$prog"
  if [ -n "$PRE" ]; then
    LD_PRELOAD=$PRE timeout "$RUN_TIMEOUT" "${VG[@]}" "$EXE" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
  else
    timeout "$RUN_TIMEOUT" "${VG[@]}" "$EXE" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
  fi
  LINE=""
  while IFS= read -r l; do [[ $l == "RESULT "* ]] && { LINE=$l; break; }; done <"$TMP/out"
  if [ "$rc" != 0 ] || [ -z "$LINE" ]; then
    case $rc in
      0) WHY="no RESULT line" ;;
      124) WHY="timed out after ${RUN_TIMEOUT}s" ;;
      *) WHY="exit status $rc$( ((rc > 128)) && echo " (signal $((rc - 128)))")" ;;
    esac
    WHY+=": $(tail -n2 "$TMP/err" | tr '\n' ' ')"
    return 1
  fi
  get alloc "$LINE"; got=$REPLY
  get malloc_obj "$LINE"; got+=" $REPLY"
  if [ "$got" != "$WANT" ]; then
    echo "run.sh: REFUSED: the '$alloc' run of $prog reported alloc/malloc_obj '$got'," \
         "expected '$WANT'; no result is printed for it." >&2
    get alloc_ver "$LINE"; got+=" alloc_ver=$REPLY"
    get glibc_delta "$LINE"; echo "run.sh: its identity: $got glibc_delta=$REPLY" >&2
    exit 3
  fi
}

# ---- allocators ------------------------------------------------------------
if [ -z "${ALLOCS:-}" ]; then
  ALLOCS="system hakmem-preload hakmem-static"
  for a in mimalloc jemalloc tcmalloc; do
    set_alloc "$a" x
    if [ -e "$PRE" ]; then ALLOCS+=" $a"; else warn "$a not installed (make bench-peers); skipping it"; fi
  done
  ALLOCS+=" minimal"
fi
for a in $ALLOCS; do set_alloc "$a" x; done # an unknown name stops here
[[ " $ALLOCS " == *" system "* ]] || die "ALLOCS must include system (the ratio baseline)"

# lib_stamp: mtime and size of the hakmem libraries, to notice a rebuild
# in the middle of the run (the numbers would then mix two versions).
lib_stamp() { stat -c '%Y %s' "$HAKSO" "$HAKA" 2>/dev/null | tr '\n' ' ' || true; }
STAMP=$(lib_stamp)
read -r LOAD _ </proc/loadavg
# More than half a runnable process per CPU, on average over the last
# minute, means the runs will share their CPUs with other work: the
# ops/s figures get noisy (the Ir/op column does not).
if awk -v l="$LOAD" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  warn "load average is $LOAD on $(nproc) CPUs (above 0.5 per CPU): other processes compete" \
       "for the CPUs, so the ops/s figures will be noisy (Ir/op is not affected)"
fi
if [ "$CALLGRIND" = 1 ] && ! command -v valgrind >/dev/null; then
  warn "valgrind not installed (apt-get install valgrind); Ir/op column left empty"
  CALLGRIND=0
fi

# ---- workloads: label, program, timed args, callgrind args ("" = none) -------
C_LABEL=() C_PROG=() C_ARGS=() C_CG=()
add_case() {
  [ -z "$CASES" ] || [[ $1 =~ $CASES ]] || return 0
  C_LABEL+=("$1") C_PROG+=("$2") C_ARGS+=("$3") C_CG+=("$4")
}
T=$THREADS TP=$((THREADS / 2 > 0 ? THREADS / 2 : 1)); TC=$((T - TP > 0 ? T - TP : 1))
if [ "$QUICK" = 1 ]; then
  RM=1000000 TH=2000000 LRS="5 20" XM=300000 MS="5 10000" CH=500 LR=300 FR=50000 LU=150
  WSS="400 8192" RANGES="16-1039" SIZES="16 256" CGRM="400 16-1039" CGTH=256 CGN=100000
  MM=1000000 TR="10 200000" PYD="150000 100000" BU=2000 BUO="0"
else
  RM=10000000 TH=20000000 LRS="10 50" XM=2000000 MS="20 20000" CH=2000 LR=2000 FR=200000 LU=600
  WSS="400 8192" RANGES="16-128 16-1039 1-4096" SIZES="16 64 256 1024" CGRM=all CGTH=all CGN=200000
  MM=10000000 TR="20 1000000" PYD="600000 400000" BU=10000 BUO="0 2"
fi
for ws in $WSS; do
  for range in $RANGES; do
    cg=""; [[ $CGRM == all || $CGRM == "$ws $range" ]] && cg="$CGN $ws 1 ${range/-/ }"
    add_case "random_mixed ws=$ws $range" random_mixed "$RM $ws 1 ${range/-/ }" "$cg"
  done
done
for sz in $SIZES; do
  cg=""; [[ $CGTH == all || $CGTH == "$sz" ]] && cg="$CGN $sz"
  add_case "tiny_hot size=$sz" tiny_hot "$TH $sz" "$cg"
done
add_case "mid_mixed ws=1000 1K-32K" mid_mixed "$MM 1000 1 1024 32768" "$CGN 1000 1 1024 32768"
for o in $BUO; do
  add_case "burst 16B 400-1600 $([ "$o" = 0 ] && echo fifo || echo random)" burst "$BU 16 400 1600 $o" "100 16 400 1600 $o"
done
add_case "larson T=$T" larson "$T $LRS 1000 16 1024 1" ""
add_case "xmalloc ${TP}p/${TC}c" xmalloc "$TP $TC $XM 64 16 256 1" ""
[ "$TP/$TC" = 2/2 ] || add_case "xmalloc 2p/2c" xmalloc "2 2 $XM 64 16 256 1" ""
add_case "mstress T=$T" mstress "$T $MS 25 16 2048 1" ""
add_case "churn threads=$CH" churn "$CH $T 300 16 1" ""
add_case "large_realloc 1K-4M" large_realloc "$LR 1 1024 4194304" ""
add_case "fragmentation n=$FR" fragmentation "$FR 10 1" ""
add_case "large_reuse 300M 5-25M" large_reuse "$LU 300 5242880 26214400 1" ""
add_case "transfer T=32 16-1024" transfer "32 $TR 1024 16 1024 0" ""
add_case "transfer T=4 to 1M" transfer "4 $TR 1024 16 1024 100 1048576" ""
if [ -n "$PY" ]; then
  add_case "py_dict $((${PYD% *} / 1000))k ops" py_dict "$ROOT/bench/py_dict.py $PYD 1" ""
else
  warn "$PYWHY (PYTHON=...); py_dict skipped"
fi
NC=${#C_LABEL[@]}
[ "$NC" -gt 0 ] || die "CASES='$CASES' matches no workload"

# ---- refuse missing or stale binaries ---------------------------------------
for a in $ALLOCS; do
  set_alloc "$a" x
  case $a in
    hakmem-preload) hint="make lib (or make bench)" ;;
    minimal) hint="make bench-build" ;;
    *) hint="make bench-peers" ;;
  esac
  [ -z "$PRE" ] || [ -e "$PRE" ] || die "$a: $PRE not found - run '$hint', or leave $a out of ALLOCS"
done
if [[ " $ALLOCS " == *" minimal "* ]]; then
  [ "$BIN/libminimal.so" -nt bench/minimal_malloc.c ] ||
    die "$BIN/libminimal.so is older than bench/minimal_malloc.c - run 'make bench-build'"
fi
PROGS+=" mid_mixed transfer burst large_reuse" # bench/py_dict.py is run as it is, by $PY
for prog in $PROGS; do
  [ -x "$BIN/$prog" ] || die "$BIN/$prog missing - run 'make bench-build'"
  for src in "bench/$prog.c" bench/bench_util.c bench/bench_util.h; do
    [ "$BIN/$prog" -nt "$src" ] || die "$BIN/$prog is older than $src - run 'make bench-build'"
  done
done
if [[ " $ALLOCS " == *" hakmem-"* ]]; then
  for lib in "$HAKSO" "$HAKA"; do
    [ -e "$lib" ] || die "$lib missing - run 'make bench' (it builds the library first), or leave hakmem out of ALLOCS"
    newer=$(find core hosted platform include -type f -newer "$lib" 2>/dev/null | head -n3 | tr '\n' ' ')
    [ -z "$newer" ] || die "$lib is stale: older than $newer- run 'make lib' (or 'make bench')"
  done
  if [[ " $ALLOCS " == *" hakmem-static "* ]]; then
    for prog in $PROGS; do
      [ -x "$BIN/${prog}_static" ] && [ "$BIN/${prog}_static" -nt "$HAKA" ] ||
        die "$BIN/${prog}_static missing or older than $HAKA - run 'make bench-build'"
    done
  fi
fi
TOTAL=0
for ((c = 0; c < NC; c++)); do
  for a in $ALLOCS; do
    runs_on "$a" "${C_PROG[c]}" || continue
    TOTAL=$((TOTAL + RUNS + 1))
    [ "$CALLGRIND" != 1 ] || [ -z "${C_CG[c]}" ] || TOTAL=$((TOTAL + 1))
  done
done

NAME=${DATE}_${HMS}_$MODE
[ ! -e "$OUT/$NAME.tsv" ] || NAME+=_$$
RAW="$OUT/$NAME.tsv" MD="$OUT/$NAME.md" PNG="$OUT/$NAME.png"
# hakmem's commit: HEAD, marked -dirty when the library's sources differ from it
COMMIT=$(git rev-parse --short HEAD 2>/dev/null) || COMMIT=unknown
[ "$COMMIT" = unknown ] || [ -z "$(git status --porcelain -- core hosted platform include Makefile 2>/dev/null)" ] ||
  COMMIT+=-dirty
MACHINE="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) CPUs,\
 $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r),\
 $(ldd --version | head -n1 | sed 's/.* //;s/^/glibc /'), $(gcc --version | head -n1)"
PEERS=""
for p in libmimalloc2.0 libjemalloc2 libtcmalloc-minimal4; do
  v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)
  [ -z "$v" ] || PEERS+="${PEERS:+, }$p $v"
done
{
  printf '#date\t%s %s\n#mode\t%s\n#runs\t%s\n#threads\t%s\n' "$DATE" "$TIME" "$MODE" "$RUNS" "$THREADS"
  printf '#allocators\t%s\n#machine\t%s\n#peers\t%s\n#commit\t%s\n#load\t%s\n' \
    "$ALLOCS" "$MACHINE" "$PEERS" "$COMMIT" "$LOAD"
  for ((c = 0; c < NC; c++)); do printf '#case\t%s\t%s\t%s\n' "$c" "${C_LABEL[c]}" "${C_PROG[c]}"; done
  printf 'case\tallocator\trun\tresult\n'
} >"$RAW"
FAILS=()
declare -A DEAD=() # "case allocator" pairs that failed once: not run again
STEP=0

# ---- timed runs: per workload, allocators interleaved A B C A B C ... ------
# say MSG: a line per run, with V=1 only.
say() { [ "$VERBOSE" = 0 ] || echo "$1" >&2; }
# workload_done C: the one line per workload (medians of its counted runs).
declare -A OPS=()
workload_done() {
  local a line="[$(($1 + 1))/$NC] ${C_LABEL[$1]}:" m
  for a in $ALLOCS; do
    [ -n "${OPS[$a]:-}" ] || continue
    m=$(tr ' ' '\n' <<<"${OPS[$a]}" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    rate "$m"; line+=" $a $REPLY,"
  done
  echo "${line%,} ops/s" >&2
  OPS=() IRS=""
}
echo "run.sh: $NC workloads x allocators $ALLOCS, 1 warm-up + $RUNS runs each$([ "$QUICK" = 1 ] && echo " (QUICK)");" \
     "$TOTAL runs$([ "$VERBOSE" = 1 ] || echo ", one line per workload (V=1: per run)")" >&2
VG=()
IRS=""
for ((c = 0; c < NC; c++)); do
  for ((r = 0; r <= RUNS; r++)); do
    for a in $ALLOCS; do
      runs_on "$a" "${C_PROG[c]}" || continue
      STEP=$((STEP + 1))
      if ((r == 0)); then what="warm-up"; else what="run $r/$RUNS"; fi
      msg="[$STEP/$TOTAL] ${C_LABEL[c]} $a $what"
      if [ -n "${DEAD[$c $a]:-}" ]; then say "$msg: skipped (failed before)"; continue; fi
      # shellcheck disable=SC2086  # the args are a word list
      if ! run "$a" "${C_PROG[c]}" ${C_ARGS[c]}; then
        echo "$msg: FAILED ($WHY)" >&2
        printf '%s\t%s\tFAILED\t%s\n' "$c" "$a" "$WHY" >>"$RAW"
        FAILS+=("${C_LABEL[c]} / $a: $WHY") DEAD[$c $a]=1
        continue
      fi
      printf '%s\t%s\t%s\t%s\n' "$c" "$a" "$r" "$LINE" >>"$RAW"
      get ops_per_sec "$LINE"
      ((r == 0)) || OPS[$a]+="$REPLY "
      rate "$REPLY"
      say "$msg: $REPLY ops/s"
    done
  done
  workload_done "$c"
  # instructions per op (single-threaded workloads): callgrind counts only
  # bench_timed_loop and what it calls; the loop's own self cost (PRNG,
  # slot array, call sites) is subtracted, leaving malloc+free per op.
  [ "$CALLGRIND" = 1 ] && [ -n "${C_CG[c]}" ] || continue
  for a in $ALLOCS; do
    runs_on "$a" "${C_PROG[c]}" || continue
    STEP=$((STEP + 1))
    msg="[$STEP/$TOTAL] ${C_LABEL[c]} $a callgrind"
    rm -f "$TMP/cg.out"
    VG=(valgrind --tool=callgrind "--callgrind-out-file=$TMP/cg.out" --toggle-collect=bench_timed_loop)
    # shellcheck disable=SC2086
    if ! run "$a" "${C_PROG[c]}" ${C_CG[c]}; then
      VG=(); echo "$msg: FAILED ($WHY)" >&2
      FAILS+=("${C_LABEL[c]} / $a under callgrind: $WHY")
      continue
    fi
    VG=()
    total=$(sed -n 's/^totals: *//p' "$TMP/cg.out" | head -n1)
    harness=$(callgrind_annotate --inclusive=no "$TMP/cg.out" |
      awk '/:(run_loop|bench_timed_loop)[.a-z0-9]* \[/ { gsub(",", "", $1); s += $1 } END { print s + 0 }')
    get ops "$LINE"
    read -r ir loop < <(awk -v t="$total" -v h="$harness" -v n="$REPLY" \
      'BEGIN { printf "%.1f %.1f\n", (t - h) / n, t / n }')
    printf '%s\t%s\tcallgrind\t%s ir_total=%s ir_harness=%s ir_per_op=%s ir_loop_per_op=%s\n' \
      "$c" "$a" "$LINE" "$total" "$harness" "$ir" "$loop" >>"$RAW"
    say "$msg: $ir Ir/op in malloc/free ($loop with the loop)"
    IRS+="$a $ir, "
  done
  [ -z "$IRS" ] || echo "      Ir/op in malloc+free: ${IRS%, }" >&2
done

# ---- table -----------------------------------------------------------------
if [[ " $ALLOCS " == *" hakmem-"* ]] && [ "$(lib_stamp)" != "$STAMP" ]; then
  die "$HAKSO or $HAKA changed during the run; the results mix two builds - discarded (raw data in $RAW)"
fi
hakver=$(awk -F'\t' '$2 ~ /^hakmem/ && $3 ~ /^[0-9]/' "$RAW" | tr ' ' '\n' | sed -n 's/^alloc_ver=//p' | head -n1)
{
  echo "## Results $DATE ${TIME%:*} ($([ "$QUICK" = 1 ] && echo QUICK || echo full) mode)"
  echo
  if [ "$QUICK" = 1 ]; then
    echo "> **QUICK run**: $RUNS counted runs per cell, reduced sizes, fewer variants - a smoke test."
    echo "> Its ratios are rough; run \`make bench\` without QUICK for figures to quote."
    echo
  fi
  echo "- machine: $MACHINE"
  echo "- allocators: $ALLOCS${hakver:+ (hakmem: version ${hakver#hakmem_}, commit $COMMIT)}"
  [ -z "$PEERS" ] || echo "  - $PEERS"
  echo "- $RUNS counted runs per cell after 1 warm-up round, allocators interleaved; threads=$THREADS;" \
       "load average at start $LOAD"
  echo "- ops/s: median (min-max) of the runs; ratio: median / system median (>1 = faster than glibc);"
  echo "  peak RSS: max over the runs; Ir/op: instructions in malloc+free per op (callgrind)"
  echo
  echo "| workload | allocator | ops/s | min-max | ratio | peak RSS MiB | Ir/op | notes |"
  echo "|---|---|---:|---:|---:|---:|---:|---|"
  awk -f bench/summary.awk "$RAW"
  if [ "${#FAILS[@]}" -gt 0 ]; then
    echo; echo "Failures:"
    for f in "${FAILS[@]}"; do echo "- $f"; done
  fi
} >"$MD"

# ---- chart -----------------------------------------------------------------
if ! command -v gnuplot >/dev/null; then
  echo "run.sh: installing gnuplot-nox for the chart" >&2
  { apt-get install -y --no-install-recommends gnuplot-nox ||
    { apt-get update && apt-get install -y --no-install-recommends gnuplot-nox; }; } >"$TMP/apt.log" 2>&1 ||
    warn "could not install gnuplot-nox; no chart"
fi
rm -f "$PNG" "${PNG%.png}-rss.png"
if command -v gnuplot >/dev/null; then
  bench/chart.sh "$RAW" 2>"$TMP/chart.err" || warn "no chart: $(tail -n3 "$TMP/chart.err")"
  [ -s "$PNG" ] && { echo; echo "![throughput chart]($NAME.png)"; echo; echo "![peak RSS chart]($NAME-rss.png)"; } >>"$MD"
fi

cat "$MD"
echo "run.sh: wrote $MD and $RAW$([ -s "$PNG" ] && echo " and the charts $PNG, ${PNG%.png}-rss.png")" >&2
[ "$QUICK" = 0 ] || echo "run.sh: QUICK run - its ratios are rough; run without QUICK for figures to quote" >&2
if [ "${#FAILS[@]}" -gt 0 ]; then
  echo "run.sh: ${#FAILS[@]} failure(s); see the table" >&2
  exit 1
fi
