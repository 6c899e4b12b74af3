#!/usr/bin/env bash
# bench/compare_builds.sh - time two hakmem builds against each other.
#
# usage: bench/compare_builds.sh OLD_TREE NEW_TREE
#
# OLD_TREE and NEW_TREE are checkouts of this repository, each built with
# `make lib bench-build` (nothing is built here). The workloads are those of
# bench/run.sh, labels and arguments included: its "# ---- workloads" block
# is read from this tree's run.sh and evaluated (py_dict, a python3 script,
# runs in preload mode only). For each workload, the two
# builds run alternately (OLD NEW in even rounds, NEW OLD in odd ones), as
# the _static binaries and through LD_PRELOAD=build/libhakmem.so: one
# warm-up round, then RUNS counted rounds. Every run must report hakmem
# (run.sh's identity check: alloc and malloc_obj of its RESULT line).
#
# Environment: RUNS=n counted rounds (default 5); CASES=regex only the
# workloads whose label matches (grep -E, as in run.sh); MODES (default
# "static preload", either or both); THREADS, QUICK and RUN_TIMEOUT as in
# run.sh, checked by the same code (bench/settings.sh).
#
# Output on stdout, a Markdown table: per workload and mode, the median
# ops/s of OLD and of NEW; NEW/OLD, the median of the per-round ratios
# (>1: NEW faster), with their min-max; the peak RSS of each (max over the
# runs of the RESULT line's peak_rss_kb, as in run.sh; `/usr/bin/time -f %M`
# would add a 1.6 MiB floor, time's own image before the exec). A ratio
# below 0.97 is marked "slower".
# Progress on stderr. Exit: 0 ok; 1 a run failed; 2 bad usage or a tree
# not built; 3 a run did not report the intended allocator.
set -euo pipefail
[ $# = 2 ] || { sed -n '2,/^set -/p' "$0" | sed '$d;s/^# \{0,1\}//' >&2; exit 2; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "compare_builds: $*" >&2; exit 2; }
# shellcheck disable=SC2317  # called by run.sh's workload block, evaluated below
warn() { echo "compare_builds: warning: $*" >&2; }
# shellcheck source=bench/settings.sh
. "$ROOT/bench/settings.sh"
RUNS=${RUNS:-5} CASES=${CASES:-} MODES=${MODES-static preload}
THREADS=${THREADS:-$(nproc)} RUN_TIMEOUT=${RUN_TIMEOUT:-300}
setting_flag QUICK 0
setting_int RUNS 1 "$SETTING_RUNS_MAX"
setting_int THREADS 1 "$SETTING_THREADS_MAX" "the workloads are sized for a few threads per CPU"
setting_int RUN_TIMEOUT 1 "$SETTING_TIMEOUT_MAX" "seconds; no run goes without a limit"
setting_regex CASES
setting_python
[ -n "${MODES// /}" ] || die "MODES is empty: give static, preload or both"
seen=" "
for m in $MODES; do
  case $m in static | preload) ;; *) die "MODES='$MODES': unknown mode '$m' (the modes: static preload)" ;; esac
  # a mode given twice would pool its runs into one row of each name
  [[ $seen != *" $m "* ]] || die "MODES='$MODES': mode '$m' given twice"
  seen+="$m "
done
for t in "$1" "$2"; do
  [ -d "$t" ] || die "$t: no such directory (OLD_TREE and NEW_TREE are checkouts of this repository)"
done
OLD=$(cd "$1" && pwd) NEW=$(cd "$2" && pwd)
for t in "$OLD" "$NEW"; do
  for f in build/libhakmem.so build/bench/fragmentation build/bench/fragmentation_static; do
    [ -e "$t/$f" ] || { echo "compare_builds: $t/$f missing: run 'make lib bench-build' there" >&2; exit 2; }
  done
done
TMP=$(mktemp -d /tmp/hakcmp.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# bench/run.sh's workload block: defines add_case, fills C_LABEL C_PROG C_ARGS, sets NC.
eval "$(sed -n '/^# ---- workloads/,/^NC=/p' "$ROOT/bench/run.sh")"
[ "${NC:-0}" -gt 0 ] || { echo "compare_builds: no workload (CASES='$CASES')" >&2; exit 2; }

# one CASE MODE BUILD ROUND: runs the case once; appends
# "case mode build round ops_per_sec rss_kb" to $TMP/runs.
one() {
  local c=$1 mode=$2 b=$3 tree pre="" exe want got ops rss
  tree=$([ "$b" = OLD ] && echo "$OLD" || echo "$NEW")
  exe=$tree/build/bench/${C_PROG[c]}_static want=hakmem/${C_PROG[c]}_static
  [ "$mode" = static ] || exe=$tree/build/bench/${C_PROG[c]} pre=$tree/build/libhakmem.so want=hakmem/libhakmem.so
  if [ "${C_PROG[c]}" = py_dict ]; then # python3 under LD_PRELOAD only
    [ "$mode" = preload ] || return 0
    exe=$PY
  fi
  # shellcheck disable=SC2086  # the args are a word list
  if ! LD_PRELOAD=$pre timeout "$RUN_TIMEOUT" "$exe" ${C_ARGS[c]} >"$TMP/out" 2>"$TMP/err"; then
    echo "compare_builds: FAILED ${C_LABEL[c]} $mode $b: $(tail -n2 "$TMP/err" | tr '\n' ' ')" >&2
    FAIL=1; return 0
  fi
  got="" ops="" rss=""
  read -r got ops rss < <(awk '/^RESULT / { for (i = 2; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v[k] = substr($i, length(k) + 2) }
                           print v["alloc"] "/" v["malloc_obj"], v["ops_per_sec"], v["peak_rss_kb"]; exit }' "$TMP/out") || true
  if [ "$got" != "$want" ]; then
    echo "compare_builds: REFUSED ${C_LABEL[c]} $mode $b: reported '${got:-no RESULT line}', expected '$want'" >&2
    exit 3
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$mode" "$b" "$4" "$ops" "$rss" >>"$TMP/runs"
  echo "${C_LABEL[c]} $mode $b round $4: $ops ops/s" >&2
}

FAIL=0
: >"$TMP/runs"
for ((c = 0; c < NC; c++)); do
  for ((r = 0; r <= RUNS; r++)); do
    for mode in $MODES; do
      if ((r % 2)); then one "$c" "$mode" NEW "$r"; one "$c" "$mode" OLD "$r"
      else one "$c" "$mode" OLD "$r"; one "$c" "$mode" NEW "$r"; fi
    done
  done
done

# stats: reads numbers, prints "median min max".
stats() { sort -g | awk '{ a[NR] = $1 } END { if (!NR) { print "- - -"; exit }
  print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2), a[1], a[NR] }'; }
# col C MODE BUILD FIELD: that column of the counted runs (round > 0).
col() { awk -F'\t' -v c="$1" -v m="$2" -v b="$3" -v f="$4" '$1 == c && $2 == m && $3 == b && $4 > 0 { print $f }' "$TMP/runs"; }
peak() { sort -g | awk '{ m = $1 } END { if (NR) printf "%.1f\n", m / 1024; else print "-" }'; }
rate() { awk -v x="$1" 'BEGIN { if (x == "-") print x; else if (x >= 1e6) printf "%.2fM\n", x / 1e6;
  else if (x >= 1e3) printf "%.2fk\n", x / 1e3; else printf "%.0f\n", x }'; }

echo "compare_builds $(date +%F): OLD=$OLD ($(git -C "$OLD" rev-parse --short HEAD 2>/dev/null || echo ?))" \
     "NEW=$NEW ($(git -C "$NEW" rev-parse --short HEAD 2>/dev/null || echo ?)), $RUNS rounds after 1 warm-up," \
     "load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| workload | mode | OLD ops/s | NEW ops/s | NEW/OLD | ratio min-max | OLD peak RSS MiB | NEW peak RSS MiB | |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
for ((c = 0; c < NC; c++)); do
  for mode in $MODES; do
    [ "${C_PROG[c]}" != py_dict ] || [ "$mode" = preload ] || continue
    read -r mo _ < <(col "$c" "$mode" OLD 5 | stats)
    read -r mn _ < <(col "$c" "$mode" NEW 5 | stats)
    read -r rmed rmin rmax < <(awk -F'\t' -v c="$c" -v m="$mode" '$1 == c && $2 == m && $4 > 0 { x[$4, $3] = $5; r[$4] }
      END { for (k in r) if ((k, "OLD") in x && (k, "NEW") in x) print x[k, "NEW"] / x[k, "OLD"] }' "$TMP/runs" | stats)
    ro=$(col "$c" "$mode" OLD 6 | peak) rn=$(col "$c" "$mode" NEW 6 | peak)
    awk -v l="${C_LABEL[c]}" -v m="$mode" -v o="$(rate "$mo")" -v n="$(rate "$mn")" -v r="$rmed" -v lo="$rmin" \
        -v hi="$rmax" -v ro="$ro" -v rn="$rn" 'BEGIN { if (r == "-") { printf "| %s | %s | %s | %s | - | - | %s | %s | FAILED |\n", l, m, o, n, ro, rn; exit }
      printf "| %s | %s | %s | %s | %.3f | %.3f-%.3f | %s | %s | %s |\n", l, m, o, n, r, lo, hi, ro, rn, (r < 0.97 ? "slower" : "") }'
  done
done
exit "$FAIL"
