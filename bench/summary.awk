# bench/summary.awk - turns the raw per-run data of bench/run.sh into the
# Markdown results table (stdout) and, if `cells` is set, the figures the
# charts of bench/chart.sh draw.
#
# usage: awk [-v allocs="system mimalloc ..."] [-v cells=FILE] -f bench/summary.awk RAW_TSV
#   RAW_TSV: the .tsv of bench/run.sh: "#key<TAB>value" lines, among them
#            "#case<TAB>index<TAB>label<TAB>program" per workload in table
#            order and "#allocators<TAB>names"; the header line
#            "case<TAB>allocator<TAB>run<TAB>result"; then one line per run,
#            "index<TAB>allocator<TAB>run<TAB>RESULT line", where run is 0
#            (warm-up, ignored), 1..N (counted), "callgrind" (RESULT line +
#            ir_per_op=...) or "FAILED" (reason).
#   allocs:  table order; default the #allocators line, else the order in
#            which the allocators first appear in the runs.
#   cells:   gets one line per workload and allocator, tab-separated:
#            index allocator status ratio ratio_min ratio_max rss_max rss_min
#            status: ok, failed or none (not run: the minimal allocator on a
#            threaded workload; the figures are then "-"). ratio_min/max:
#            slowest/fastest run / system median. rss: peak RSS of the
#            runs in MiB, highest and lowest.
# Statistics per workload and allocator over the counted runs: median,
# min and max of ops_per_sec, max of peak_rss_kb, medians of the extra
# fields of churn and fragmentation. ratio = median / median of "system".
# Plain POSIX awk (Debian's default awk is mawk).

BEGIN { FS = "\t"; na = split(allocs, A, " ") }

$1 == "#case" { label[$2] = $3; prog[$2] = $4; if ($2 + 1 > nc) nc = $2 + 1; next }
$1 == "#allocators" && !na { na = split($2, A, " "); next }
/^#/ || $1 == "case" { next }

{
    if (!seen[$2]++) first[++nfirst] = $2
    split("", f)
    n = split($4, kv, " ")
    for (i = 1; i <= n; i++) {
        e = index(kv[i], "=")
        if (e) f[substr(kv[i], 1, e - 1)] = substr(kv[i], e + 1)
    }
    k = $1 SUBSEP $2
}
$3 == "FAILED" { failed[k] = 1; next }
$3 == "callgrind" { ir[k] = f["ir_per_op"]; next }
$3 !~ /^[1-9][0-9]*$/ { next }
{
    j = ++cnt[k]
    ops[k, j] = f["ops_per_sec"]; secs[k, j] = f["secs"]
    rssf[k, j] = f["rss_final_kb"]; ra[k, j] = f["rss_alloc_kb"]
    rf[k, j] = f["rss_freed_kb"]; r2[k, j] = f["rss_phase2_kb"]
    if (f["peak_rss_kb"] + 0 > peak[k]) peak[k] = f["peak_rss_kb"] + 0
    if (j == 1 || f["peak_rss_kb"] + 0 < peakmin[k]) peakmin[k] = f["peak_rss_kb"] + 0
    live[k] = f["live_kb"]; flt[k, j] = f["minflt"]
}

# sorted(arr, k, n, v): copies arr[k, 1..n] into v[1..n], ascending.
function sorted(arr, k, n, v,    i, j, t) {
    for (i = 1; i <= n; i++) {
        t = arr[k, i] + 0
        for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]
        v[j + 1] = t
    }
}
# median(arr, k, n): median of arr[k, 1..n].
function median(arr, k, n,    v) {
    sorted(arr, k, n, v)
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
# lohi(arr, k, n): "min-max" of arr[k, 1..n], formatted.
function lohi(arr, k, n,    v) {
    sorted(arr, k, n, v)
    return fmt(v[1]) "-" fmt(v[n])
}
# fmt(x): an ops/s figure with an SI suffix and 3 significant digits.
function fmt(x) {
    if (x >= 1e9) return sprintf("%.3gG", x / 1e9)
    if (x >= 1e6) return sprintf("%.3gM", x / 1e6)
    if (x >= 1e3) return sprintf("%.3gk", x / 1e3)
    return sprintf("%.3g", x)
}
# mib_list(s): "a/b/c" in KiB -> "a/b/c" in MiB with one decimal.
function mib_list(s,    p, n, i, out) {
    n = split(s, p, "/")
    for (i = 1; i <= n; i++) out = out (i > 1 ? "/" : "") sprintf("%.1f", p[i] / 1024)
    return out
}

END {
    if (!na) for (na = 0; na < nfirst; ) { na++; A[na] = first[na] }
    for (c = 0; c < nc; c++) {
        bk = c SUBSEP "system"
        base = (cnt[bk] && !failed[bk]) ? median(ops, bk, cnt[bk]) : 0
        for (i = 1; i <= na; i++) {
            a = A[i]; k = c SUBSEP a; n = cnt[k]
            if (!failed[k] && !n) { # not run (the minimal on a threaded workload)
                if (cells != "") printf "%d\t%s\tnone\t-\t-\t-\t-\t-\n", c, a > cells
                continue
            }
            if (failed[k]) {
                printf "| %s | %s | FAILED | | | | | see Failures |\n", label[c], a
                if (cells != "") printf "%d\t%s\tfailed\t-\t-\t-\t-\t-\n", c, a > cells
                continue
            }
            m = median(ops, k, n)
            ratio = base > 0 ? sprintf("%.2f", m / base) : "-"
            notes = ""
            if (prog[c] == "churn")
                notes = sprintf("final RSS %.1f MiB; %.3f s", median(rssf, k, n) / 1024, median(secs, k, n))
            if (prog[c] == "fragmentation")
                notes = sprintf("RSS MiB alloc/freed/refill %.1f/%.1f/%.1f (live %s); %.3f s",
                                median(ra, k, n) / 1024, median(rf, k, n) / 1024,
                                median(r2, k, n) / 1024, mib_list(live[k]), median(secs, k, n))
            if (prog[c] == "large_reuse")
                notes = sprintf("minor faults %.0f; %.3f s", median(flt, k, n), median(secs, k, n))
            printf "| %s | %s | %s | %s | %s | %.1f | %s | %s |\n", label[c], a, fmt(m),
                   lohi(ops, k, n), ratio, peak[k] / 1024, (k in ir) ? ir[k] : "", notes
            if (cells != "") {
                split("", sv); sorted(ops, k, n, sv)
                if (base > 0) r3 = sprintf("%.4g\t%.4g\t%.4g", m / base, sv[1] / base, sv[n] / base)
                else r3 = "-\t-\t-"
                printf "%d\t%s\tok\t%s\t%.3f\t%.3f\n", c, a, r3, peak[k] / 1024, peakmin[k] / 1024 > cells
            }
        }
    }
}
