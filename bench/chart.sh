#!/usr/bin/env bash
# bench/chart.sh - draw the two charts of a bench/run.sh results file.
#
# usage: bench/chart.sh RESULTS.tsv [OUT_PREFIX]
#
# Writes OUT_PREFIX.png (throughput relative to glibc) and OUT_PREFIX-rss.png
# (peak RSS); OUT_PREFIX defaults to RESULTS without its .tsv. bench/run.sh
# calls it at the end of a run; run it by hand to redraw the charts of an
# existing results file without rerunning anything, e.g.
#   bench/chart.sh bench/results/2026-11-30_112001_quick.tsv /tmp/c
# (draws /tmp/c.png and /tmp/c-rss.png). The statistics are those of the
# table (bench/summary.awk). Run date, mode, machine, threads and hakmem
# commit come from the TSV's '#' lines; for a TSV written before those
# lines existed they come from the .md next to it (no commit then).
# Needs gnuplot with the pngcairo terminal (Debian: gnuplot-nox).
# CHART_KEEP=1 keeps the generated gnuplot scripts (their directory is printed).
# Exit status: 0 ok; 2 bad usage, unreadable file or no gnuplot; 1 gnuplot
# failed.
#
# Throughput chart: per workload, one bar per allocator from 1 (glibc's
# median) to the allocator's median ops/s / glibc's median, on a log scale
# (up: faster than glibc, down: slower); error bars from the slowest to the
# fastest counted run, divided the same way; the median ratio printed at
# the bar's end. Peak RSS chart: the highest peak RSS of the runs (MiB, log
# scale), error bars down to the lowest. Both: the "minimal" yardstick is
# an outlined bar, not a filled one; a QUICK run is marked as rough.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "chart.sh: error: $*" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || { sed -n '2,/^set -/p' "$0" | sed '$d;s/^# \{0,1\}//' >&2; exit 2; }
TSV=$1 PREFIX=${2:-${1%.tsv}}
[ -r "$TSV" ] && [ -f "$TSV" ] || die "cannot read '$TSV'"
command -v gnuplot >/dev/null || die "gnuplot not installed (make bench-peers, or apt-get install gnuplot-nox)"
TMP=$(mktemp -d /tmp/hakchart.XXXXXX)
trap '[ -n "${CHART_KEEP:-}" ] && echo "chart.sh: gnuplot scripts kept in $TMP" >&2 || rm -rf "$TMP"' EXIT

# ---- the results, with '#' lines (made up from the .md for an older TSV) ----
if grep -q $'^#case\t' "$TSV"; then
  cp "$TSV" "$TMP/raw"
else
  MDF=${TSV%.tsv}.md
  [ -r "$MDF" ] || MDF=/dev/null
  awk -F'\t' -v md="$MDF" '
    BEGIN {
      while ((getline l < md) > 0) {
        if (l ~ /^## Results /) { split(l, w, " "); print "#date\t" w[3]; print "#mode\t" (l ~ /QUICK/ ? "quick" : "full") }
        else if (l ~ /^- machine: /) { sub(/^- machine: /, "", l); print "#machine\t" l }
        else if (l ~ /^- allocators: /) { sub(/^- allocators: /, "", l); sub(/ \(.*/, "", l); print "#allocators\t" l }
        else if (l ~ /^- [0-9]+ counted runs/) {
          split(l, w, " "); print "#runs\t" w[2]
          if (match(l, /threads=[0-9]+/)) print "#threads\t" substr(l, RSTART + 8, RLENGTH - 8)
        } else if (l ~ /^\| / && l !~ /^\| workload / && l !~ /^\|---/) {
          split(l, f, " \\| "); lab = substr(f[1], 3)
          if (!(lab in idx)) { idx[lab] = n; split(lab, w, " "); print "#case\t" n++ "\t" lab "\t" w[1] }
        }
      }
    }
    # no .md: the program name of each workload stands for its label
    !n && $1 ~ /^[0-9]+$/ && !($1 in done) { done[$1]; split($4, w, " "); sub(/^name=/, "", w[2]); print "#case\t" $1 "\t" w[2] " (" $1 ")\t" w[2] }
  ' "$TSV" >"$TMP/raw"
  cat "$TSV" >>"$TMP/raw"
fi
meta() { awk -F'\t' -v k="#$1" '$1 == k { print $2; exit }' "$TMP/raw"; }
DATE=$(meta date) MODE=$(meta mode) RUNS=$(meta runs) THREADS=$(meta threads)
MACHINE=$(meta machine) COMMIT=$(meta commit) LOAD=$(meta load)
HAKVER=$(awk -F'\t' '$2 ~ /^hakmem/ && $3 ~ /^[0-9]/ && match($4, /alloc_ver=[^ ]*/) { print substr($4, RSTART + 10, RLENGTH - 10); exit }' "$TMP/raw")
awk -v cells="$TMP/cells" -f "$ROOT/bench/summary.awk" "$TMP/raw" >/dev/null
[ -s "$TMP/cells" ] || die "no results in '$TSV'"

# ---- text shared by both charts ----------------------------------------------
HAK="hakmem ${HAKVER:+${HAKVER#hakmem_}, }commit ${COMMIT:-unknown}"
SUB="${DATE:-date unknown}  |  ${MODE:-?} mode, ${RUNS:-?} counted runs per cell after 1 warm-up, allocators interleaved  |  threads=${THREADS:-?}  |  $HAK"
SUB2="machine: ${MACHINE:-unknown}${LOAD:+  |  load average at start $LOAD}"
QUICKNOTE=""
[ "$MODE" != quick ] ||
  QUICKNOTE="QUICK run: ${RUNS:-few} runs per cell, reduced sizes - a smoke test; its figures are rough. Run 'make bench' without QUICK for figures to quote."
YARD="minimal (outlined): a malloc doing next to nothing - not a competitor but a yardstick: about the most any allocator can reach on that workload; not thread-safe, so single-threaded workloads only."
# the key to every workload label run.sh writes, a line of the footer each
KEY1="Workload labels: random_mixed ws=N A-B: N slots, each step frees a random slot or mallocs A-B bytes into it   |   tiny_hot size=N: malloc+free pairs of N bytes   |   mid_mixed ws=N 1K-32K: random_mixed over 1-32 KiB"
KEY2="burst 16B 400-1600 fifo/random: bursts of 400-1600 mallocs of 16 B, then all freed in order / shuffled   |   larson T=N, mstress T=N: N threads   |   xmalloc Pp/Cc: P producer threads malloc, C consumer threads free (every free remote)"
KEY3="churn threads=N: N short-lived threads   |   large_realloc 1K-4M: buffers grown by realloc from 1 KiB to 4 MiB   |   fragmentation n=N: N blocks, 90 % freed, refilled   |   large_reuse 300M 5-25M: 300 MiB live in blocks of 5-25 MiB, one replaced per step"
KEY4="transfer T=N 16-1024: N threads swap blocks through a shared array (nearly every free remote); to 1M: also 1 block in 100 up to 1 MiB   |   py_dict Nk ops: N thousand dict operations in CPython (PYTHONMALLOC=malloc)"

# ---- chart data: a datablock per allocator, bar positions, axis ranges --------
# layout KIND writes $TMP/KIND.gp (datablocks and plot command) for KIND
# ratio or rss: per allocator j of NA, bar centre x = case + (j - (NA-1)/2) * W.
layout() {
  awk -F'\t' -v kind="$1" '
    function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return s }
    function lbl(v) { return sprintf(kind == "ratio" ? "%.2f" : "%.1f", v) }  # as in the table
    # colour and key text per allocator; unknown names get a spare colour
    function colour(a) {
      if (a == "system") return "#9a9a9a"
      if (a == "hakmem-preload") return "#41ab5d"
      if (a == "hakmem-static") return "#00441b"
      if (a == "mimalloc") return "#e6550d"
      if (a == "jemalloc") return "#b0589a"
      if (a == "tcmalloc") return "#2171b5"
      if (a == "minimal") return "#000000"
      return "#8c6d31"
    }
    function title(a) {
      if (a == "system") return kind == "ratio" ? "system (glibc) = 1" : "system (glibc)"
      if (a == "minimal") return "minimal (yardstick)"
      return a
    }
    FNR == NR && $1 == "#case" { label[$2] = $3; if ($2 + 1 > nc) nc = $2 + 1; next }
    FNR == NR { next }
    {
      if (!($2 in aj)) { aj[$2] = na + 0; an[na++] = $2 }
      c = $1; j = aj[$2]; st[c, j] = $3
      r[c, j] = $4; rlo[c, j] = $5; rhi[c, j] = $6; mx[c, j] = $7; mn[c, j] = $8
    }
    END {
      W = 0.84 / na; hw = W * 0.46
      lo = 1; hi = 1; first = 1
      for (c = 0; c < nc; c++) for (j = 0; j < na; j++) {
        if (st[c, j] != "ok") continue
        if (kind == "ratio") { if (r[c, j] == "-") continue; a = rlo[c, j] + 0; b = rhi[c, j] + 0 }
        else { a = mn[c, j] + 0; b = mx[c, j] + 0 }
        if (kind == "ratio") { if (a < lo) lo = a; if (b > hi) hi = b }
        else { if (first || a < lo) lo = a; if (first || b > hi) hi = b; first = 0 }
      }
      if (kind == "rss") { lo = 2 ^ int(log(lo * 0.9) / log(2) - (lo * 0.9 < 1)); base = lo }
      # room for the value labels: 11 % of the log range at each end
      span = log(hi / lo) / 0.78; if (span < log(4)) span = log(4)
      pad = 0.11 * span
      if (kind == "rss") { ymin = lo; ymax = hi * exp(1.3 * pad) }
      else { ymin = lo * exp(-pad); ymax = hi * exp(pad) }
      printf "set yrange [%g:%g]\nset xrange [%g:%g]\n", ymin, ymax, -0.55, nc - 0.45
      xt = ""
      for (c = 0; c < nc; c++) {
        # program, then a line per parameter; a program name breaks after
        # its "_", so that neighbours (random_mixed random_mixed) stay apart
        l = label[c]; sub(/_/, "_ ", l)
        l = esc(l); n = gsub(/ /, "\\n", l)
        if (n > xl) xl = n
        xt = xt (c ? ", " : "") "\"" l "\" " c
      }
      print "set xtics (" xt ")"
      printf "set xlabel offset 0, %g\n", -0.6 - xl
      for (c = 1; c < nc; c++) printf "set arrow from %g, graph 0 to %g, graph 1 nohead lc rgb \"#dddddd\" lw 1 back\n", c - 0.5, c - 0.5
      # bars: x y xlow xhigh ylow yhigh, a block per allocator; whiskers:
      # x y dx dy segments (a stem and two caps), $WS those of the baseline
      cw = hw * 0.4
      for (j = 0; j < na; j++) {
        printf "$B%d << EOD\n", j
        for (c = 0; c < nc; c++) {
          if (st[c, j] != "ok" || (kind == "ratio" && r[c, j] == "-")) continue
          x = c + (j - (na - 1) / 2) * W
          if (kind == "ratio") { v = r[c, j]; y0 = v < 1 ? v : 1; y1 = v < 1 ? 1 : v; wl = rlo[c, j]; wh = rhi[c, j] }
          else { v = mx[c, j]; y0 = base; y1 = v; wl = mn[c, j]; wh = mx[c, j] }
          printf "%g %g %g %g %g %g\n", x, v, x - hw, x + hw, y0, y1
          w = (kind == "ratio" && an[j] == "system") ? "ws" : "w"
          whisk[w] = whisk[w] sprintf("%g %g 0 %g\n%g %g %g 0\n%g %g %g 0\n", x, wl, wh - wl, x - cw, wl, 2 * cw, x - cw, wh, 2 * cw)
        }
        print "EOD"
      }
      printf "$W << EOD\n%sEOD\n$WS << EOD\n%sEOD\n", whisk["w"], whisk["ws"]
      # value labels: above the bar (and its whisker) when up, below when down
      print "$UP << EOD"
      for (c = 0; c < nc; c++) for (j = 0; j < na; j++) {
        if (st[c, j] != "ok" || (kind == "ratio" && (r[c, j] == "-" || an[j] == "system"))) continue
        x = c + (j - (na - 1) / 2) * W
        v = kind == "ratio" ? r[c, j] : mx[c, j]
        t = kind == "ratio" ? rhi[c, j] : mx[c, j]
        if (kind == "rss" || v >= 1) printf "%g %g \"%s\"\n", x, (t > v ? t : v), lbl(v)
      }
      print "EOD"
      print "$DOWN << EOD"
      for (c = 0; c < nc; c++) for (j = 0; j < na; j++) {
        if (kind != "ratio" || st[c, j] != "ok" || r[c, j] == "-" || an[j] == "system") continue
        x = c + (j - (na - 1) / 2) * W; v = r[c, j]; t = rlo[c, j]
        if (v < 1) printf "%g %g \"%s\"\n", x, (t < v ? t : v), lbl(v)
      }
      print "EOD"
      print "$FAILED << EOD"
      nf = 0
      for (c = 0; c < nc; c++) for (j = 0; j < na; j++)
        if (st[c, j] == "failed" && ++nf) printf "%g %g \"FAILED\"\n", c + (j - (na - 1) / 2) * W, kind == "ratio" ? 1 : base
      print "EOD"
      # the plot command: filled bars, the minimal allocator outlined
      printf "plot \\\n"
      for (j = 0; j < na; j++) {
        if (kind == "ratio" && an[j] == "system") {
          printf "  $WS using 1:2:3:4 with vectors nohead lw 2.5 lc rgb \"%s\" title \"%s\", \\\n", colour(an[j]), esc(title(an[j]))
          continue
        }
        if (an[j] == "minimal")
          style = sprintf("fs empty border lc rgb \"%s\" lw 1.8 dt (3,2) lc rgb \"%s\"", colour(an[j]), colour(an[j]))
        else style = sprintf("fs solid 1.0 border lc rgb \"#303030\" lw 0.5 lc rgb \"%s\"", colour(an[j]))
        printf "  $B%d using 1:2:3:4:5:6 with boxxyerror %s title \"%s\", \\\n", j, style, esc(title(an[j]))
      }
      print "  $W using 1:2:3:4 with vectors nohead lw 1 lc rgb \"#202020\" notitle, \\"
      printf "  $UP using 1:2:3 with labels rotate by 90 left offset 0, 0.35 font \",8\" tc rgb \"#202020\" notitle"
      if (kind == "ratio")
        printf ", \\\n  $DOWN using 1:2:3 with labels rotate by 90 right offset 0, -0.35 font \",8\" tc rgb \"#202020\" notitle"
      # (gnuplot 5.4 crashes on a labels plot without points)
      if (nf) printf ", \\\n  $FAILED using 1:2:3 with labels rotate by 90 left offset 0, 0.35 font \",8:Bold\" tc rgb \"#c00000\" notitle"
      print ""
    }' "$TMP/raw" "$TMP/cells" >"$TMP/$1.gp"
}
layout ratio
layout rss

# common KIND TITLE OUT: the page setup of both charts
common() {
  cat <<EOF
set terminal pngcairo size 1800,1000 font "sans,10" noenhanced
set output "$3"
set lmargin at screen 0.06
set rmargin at screen 0.985
set tmargin at screen 0.83
set bmargin at screen 0.24
set label 1 "$2" at screen 0.5, screen 0.975 center font "sans,15:Bold"
set label 2 "$SUB" at screen 0.5, screen 0.945 center font "sans,10"
set label 3 "$SUB2" at screen 0.5, screen 0.922 center font "sans,10"
set label 4 "$QUICKNOTE" at screen 0.5, screen 0.897 center font "sans,11:Bold" tc rgb "#c00000"
set label 5 "$KEY1" at screen 0.06, screen 0.066 left font "sans,9"
set label 6 "$KEY2" at screen 0.06, screen 0.049 left font "sans,9"
set label 9 "$KEY3" at screen 0.06, screen 0.032 left font "sans,9"
set label 10 "$KEY4" at screen 0.06, screen 0.015 left font "sans,9"
set label 8 "$YARD" at screen 0.06, screen 0.083 left font "sans,9"
set key at screen 0.5, screen 0.87 center top horizontal maxrows 1 samplen 2.5 width 1 font "sans,10"
set xlabel "workload: program and its parameters (explained below)" font "sans,11"
set xtics nomirror font "sans,10" scale 0
set ytics nomirror
set logscale y 2
set grid ytics lc rgb "#cccccc" lw 1 dt 3
set border 3
EOF
}
{
  common ratio "Throughput relative to glibc malloc - higher is better" "$PREFIX.png"
  cat <<EOF
set ylabel "median ops/s / glibc's median ops/s (log scale)" font "sans,11"
set label 7 "Bars: median of the runs / glibc's median, drawn from 1 (up: faster than glibc, down: slower); number: that ratio; error bar: slowest and fastest run / glibc's median." at screen 0.06, screen 0.100 left font "sans,9"
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lw 1.5 lc rgb "#000000" front
EOF
  cat "$TMP/ratio.gp"
} >"$TMP/ratio.plt"
{
  common rss "Peak RSS - lower is better" "$PREFIX-rss.png"
  cat <<EOF
set ylabel "peak RSS, MiB (log scale)" font "sans,11"
set label 7 "Bars and numbers: the highest peak RSS (ru_maxrss) of the runs, in MiB - it includes about 1.3 MiB of the process itself; error bar: down to the lowest run's peak." at screen 0.06, screen 0.100 left font "sans,9"
set format y "%g"
EOF
  cat "$TMP/rss.gp"
} >"$TMP/rss.plt"
for k in ratio rss; do
  gnuplot "$TMP/$k.plt" 2>"$TMP/$k.err" || { cat "$TMP/$k.err" >&2; echo "chart.sh: gnuplot failed on the $k chart" >&2; exit 1; }
  [ ! -s "$TMP/$k.err" ] || sed 's/^/chart.sh: gnuplot: /' "$TMP/$k.err" >&2
done
echo "chart.sh: wrote $PREFIX.png and $PREFIX-rss.png" >&2
