#!/usr/bin/env bash
# real_programs - real programs run with hakmem as their malloc.
#
# Runs python3 (PYTHONMALLOC=malloc), git, sqlite3, perl and a C++ program
# built on the fly, each twice: once as is (glibc malloc) and once with
# LD_PRELOAD=$BUILD/libhakmem.so and HAKMEM_STATS=<file>. Proves, for each
# program:
#   - the output (stdout) and exit status are identical with hakmem;
#   - hakmem really was the allocator: every preloaded process appends its
#     statistics table to the stats file at exit, and the file gains at
#     least one table with refills > 0 per process started (for git, one
#     per git command run, plus the ones its children add);
#   - for the C++ program, whose std::threads exit, caches_released >= 4.
# Workloads: python dicts/lists/json/re/sorting/big ints/string building/
# threads; git init + ~200 files over 5 commits + log --stat, diff, blame,
# grep, archive, gc, fsck, count-objects; sqlite3 20000 inserts in a
# transaction, aggregates, an index, joins, window functions, update,
# delete, vacuum; perl hashes/regexes/sort/sprintf/Math::BigInt; C++
# new/delete, vector, string, map, unordered_map, shared_ptr, aligned new,
# std::thread.
# Every run uses LC_ALL=C (deterministic output). Note that glibc's
# setlocale() then calls free(NULL) before anything is allocated, so git
# (and bash) crash here if free(NULL) is not safe as the first allocator
# call (tests/unit/first_call.c isolates that case).
# A program that is not installed is not run: the script prints a
# "SKIP-PART <program>: <reason>" line for it, which tests/run_tests.sh
# reports and counts as a skip (exit 77 when none is installed).
# Env: BUILD=<abs build dir> (from tests/run_tests.sh).
set -u
BUILD=${BUILD:?BUILD must name the build directory}
lib="$BUILD/libhakmem.so"
case "$lib" in /*) ;; *) lib="$PWD/$lib" ;; esac
if [ ! -f "$lib" ]; then
    echo "missing $lib"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hak_real.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C TZ=UTC HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config"
mkdir -p "$HOME"
unset LD_PRELOAD HAKMEM_STATS

failures=0
ran=0
bad_programs=()

# not_installed PROGRAM PACKAGE: reports PROGRAM as skipped.
not_installed() {
    echo "SKIP-PART $1: not installed (apt-get install $2)"
}

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# Counts the statistics reports (HAKMEM_STATS tables: a header line, then
# a "refills" totals line) that show hakmem served allocations.
hakmem_lines() {
    grep -cE '^  refills +[1-9][0-9]* ' "$1" 2>/dev/null || true
}

# compare NAME MIN_LINES: compares NAME.ref / NAME.out (stdout and exit
# status) and checks NAME.stats for at least MIN_LINES hakmem lines.
compare() {
    local name=$1 min=$2
    local rc_ref rc_out lines before=$failures
    rc_ref=$(cat "$tmp/$name.ref.rc") rc_out=$(cat "$tmp/$name.out.rc")
    lines=$(hakmem_lines "$tmp/$name.stats")
    ran=$((ran + 1))
    if [ "$rc_ref" != "$rc_out" ]; then
        fail "$name: exit status $rc_ref without hakmem, $rc_out with it"
        echo "--- stderr with hakmem:"
        tail -n 20 "$tmp/$name.out.err"
    fi
    if [ "$rc_ref" != 0 ]; then
        fail "$name: the reference run (without hakmem) failed with $rc_ref"
        tail -n 20 "$tmp/$name.ref.err"
    fi
    if ! cmp -s "$tmp/$name.ref" "$tmp/$name.out"; then
        fail "$name: output differs with hakmem"
        diff "$tmp/$name.ref" "$tmp/$name.out" | head -n 20
        echo "--- stderr with hakmem:"
        tail -n 20 "$tmp/$name.out.err"
    fi
    if [ ! -s "$tmp/$name.ref" ]; then
        fail "$name: produced no output"
    fi
    if [ "$lines" -lt "$min" ]; then
        fail "$name: stats file has $lines hakmem line(s) with refills > 0, expected >= $min" \
             "(was hakmem not the allocator?)"
        head -n 5 "$tmp/$name.stats" 2>/dev/null
        tail -n 5 "$tmp/$name.out.err"
    fi
    [ "$failures" = "$before" ] || bad_programs+=("$name")
    printf '%-4s %s: %s lines of output, %s processes reported by hakmem, exit %s\n' \
        "$([ "$failures" = "$before" ] && echo ok || echo BAD)" "$name" \
        "$(wc -l <"$tmp/$name.ref")" "$lines" "$rc_out"
}

# run_both NAME CMD...: runs CMD without and with hakmem preloaded (stdin
# from $STDIN, default /dev/null).
run_both() {
    local name=$1 in=${STDIN:-/dev/null}
    shift
    "$@" <"$in" >"$tmp/$name.ref" 2>"$tmp/$name.ref.err"
    echo $? >"$tmp/$name.ref.rc"
    : >"$tmp/$name.stats"
    LD_PRELOAD="$lib" HAKMEM_STATS="$tmp/$name.stats" "$@" <"$in" >"$tmp/$name.out" 2>"$tmp/$name.out.err"
    echo $? >"$tmp/$name.out.rc"
}

# ---------------------------------------------------------------- python
py_real=""
if command -v python3 >/dev/null 2>&1; then
    # Resolve a pyenv shim (a script that spawns the real binary).
    py_real=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
fi
if [ -n "$py_real" ] && [ -x "$py_real" ]; then
    cat >"$tmp/work.py" <<'PY'
import collections, decimal, fractions, functools, hashlib, itertools, json, math
import random, re, sys, threading

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)
rng = random.Random(12345)
letters = "abcdefghijklmnopqrstuvwxyz"
words = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 12))) for _ in range(60000)]

# dicts and counters
freq = collections.Counter(words)
print("distinct", len(freq), "top", sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:5])
by_len = collections.defaultdict(list)
for w in words:
    by_len[len(w)].append(w)
for k in sorted(by_len):
    v = by_len[k]
    print("len", k, len(v), min(v), max(v))
index = {w: i for i, w in enumerate(words)}
for w in list(index)[::3]:
    del index[w]
print("index", len(index), sum(index.values()) % 1000003)

# lists and sorting
data = [{"id": i, "name": w, "tags": [w[:2], w[-2:]], "score": (i * 7919) % 1000 / 7}
        for i, w in enumerate(words[:25000])]
ranked = sorted(data, key=lambda d: (-d["score"], d["name"], d["id"]))
print("ranked", [d["id"] for d in ranked[:12]])
nums = [rng.randrange(10**9) for _ in range(200000)]
nums.sort()
print("nums", nums[:3], nums[-3:], sum(nums[::1000]))
chunks = [nums[i:i + 997] for i in range(0, len(nums), 997)]
print("chunks", len(chunks), sum(len(c) for c in chunks))

# json round trip
text = json.dumps(data, sort_keys=True)
back = json.loads(text)
assert back == data
print("json", len(text), hashlib.sha256(text.encode()).hexdigest())
pretty = json.dumps({"words": words[:3000], "nested": [[i, {"k": str(i)}] for i in range(3000)]}, indent=2)
print("pretty", len(pretty), hashlib.md5(pretty.encode()).hexdigest())

# regular expressions
blob = " ".join(words)
pairs = re.findall(r"\b([a-m]{2,})([n-z]+)\b", blob)
print("regex pairs", len(pairs), pairs[:4])
subbed = re.sub(r"([aeiou])\1", lambda m: m.group(1).upper() * 3, blob)
print("regex sub", len(subbed), hashlib.sha1(subbed.encode()).hexdigest())
parts = re.split(r"(?:qu|x[aeiou]|zz)", blob)
print("regex split", len(parts), max(len(p) for p in parts))

# big integers and exact arithmetic
f = math.factorial(2500)
print("factorial", len(str(f)), f % (10**25))
a, b = 0, 1
for _ in range(15000):
    a, b = b, a + b
print("fib", len(str(a)), a % (10**30))
print("pow", pow(3, 200001, 10**40), len(str(7**40000)))
decimal.getcontext().prec = 300
print("sqrt2", str(decimal.Decimal(2).sqrt())[:80])
h = sum(fractions.Fraction(1, k) for k in range(1, 400))
print("harmonic", len(str(h.numerator)), h.denominator % 1000007)

# string building
out = []
for i in range(120000):
    out.append(f"{i:06d}:{words[i % len(words)]}:{i * i % 9973:x}")
joined = "|".join(out)
print("joined", len(joined), hashlib.sha256(joined.encode()).hexdigest())
s = ""
for i in range(30000):
    s += words[i][:3] + str(i)
print("concat", len(s), hashlib.md5(s.encode()).hexdigest())
ba = bytearray()
for i in range(20000):
    ba += bytes([i % 251]) * (i % 97)
print("bytearray", len(ba), hashlib.md5(ba).hexdigest())

# memory churn with big buffers
keep = []
for i in range(300):
    buf = bytearray((i % 13 + 1) * 65536 + i)
    buf[::4096] = bytes([i % 256]) * len(buf[::4096])
    if i % 3 == 0:
        keep.append(buf)
print("buffers", len(keep), sum(len(b) for b in keep), sum(b[0] for b in keep))

# threads (results in a fixed order)
results = [None] * 4
def work(k):
    local = {}
    for i in range(60000):
        key = (k, i % 1009, words[i % 5000])
        local[key] = local.get(key, 0) + i
    results[k] = (len(local), sum(local.values()) % 1000000007,
                  functools.reduce(lambda x, y: (x * 31 + y) % 1000003, sorted(local.values())[:500], 7))
threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("threads", results)
print("combinations", sum(1 for _ in itertools.combinations(range(30), 4)))
PY
    export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
    PYTHONMALLOC=malloc run_both python "$py_real" "$tmp/work.py"
    compare python 1
else
    not_installed python3 python3
fi

# ---------------------------------------------------------------- git
if command -v git >/dev/null 2>&1; then
    cat >"$tmp/git_work.sh" <<'SH'
# Runs a git workload in $1; every git command goes through g(), which
# preloads hakmem when PRE is set and counts the commands in $1.count.
set -u
repo=$1
calls=0
failed=0
g() {
    local rc
    calls=$((calls + 1))
    if [ -n "${PRE:-}" ]; then
        LD_PRELOAD=$PRE HAKMEM_STATS=$STATS git "$@"
    else
        git "$@"
    fi
    rc=$?
    if [ $rc -ne 0 ]; then
        failed=$((failed + 1))
        echo "git $1 exited with status $rc" >&2
    fi
    return $rc
}
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="Ada Tester" GIT_AUTHOR_EMAIL=ada@example.org
export GIT_COMMITTER_NAME="Ada Tester" GIT_COMMITTER_EMAIL=ada@example.org
commit() { # n message
    export GIT_AUTHOR_DATE="2021-03-0$1T10:00:00 +0000" GIT_COMMITTER_DATE="2021-03-0$1T10:00:00 +0000"
    g add -A
    g commit -q -m "$2"
}
mkfile() { # path seed lines (its directory exists)
    local i out=""
    for ((i = 0; i < $3; i++)); do
        out+="line $i of $1: value $(( ($2 * 7919 + i * 104729) % 1000003 ))"$'\n'
    done
    printf '%s' "$out" >"$1"
}
mkdir -p "$repo" && cd "$repo" || exit 1
mkdir -p src/mod{0..7} lib/part{0..4} docs/d{0..3} big
g init -q -b main .
g config pack.threads 1
g config gc.auto 0
g config core.autocrlf false
for ((i = 1; i <= 80; i++)); do mkfile "src/mod$((i % 8))/file$i.txt" "$i" $((5 + i % 40)); done
commit 1 "initial import of 80 files"
for ((i = 3; i <= 80; i += 3)); do mkfile "src/mod$((i % 8))/file$i.txt" "$((i + 1000))" $((10 + i % 25)); done
for ((i = 81; i <= 140; i++)); do mkfile "lib/part$((i % 5))/f$i.c" "$i" $((20 + i % 60)); done
commit 2 "edit a third, add 60 files"
gone=()
for ((i = 87; i <= 140; i += 7)); do gone+=("lib/part$((i % 5))/f$i.c"); done
g rm -q "${gone[@]}"
for ((i = 141; i <= 200; i++)); do mkfile "docs/d$((i % 4))/page$i.md" "$i" $((3 + i % 90)); done
commit 3 "remove some, add docs"
for i in 1 2 3 4 5; do g mv "src/mod$((i % 8))/file$i.txt" "src/mod$((i % 8))/renamed$i.txt"; done
mkfile big/blob.txt 99 5000
commit 4 "renames and a big file"
mkfile big/blob.txt 100 5200
for ((i = 142; i <= 200; i += 2)); do mkfile "docs/d$((i % 4))/page$i.md" "$((i * 3))" $((5 + i % 70)); done
commit 5 "rewrite the big file and half the docs"
g log --stat --format='commit %H%nauthor %an <%ae> %ad%n%n    %s%n'
g log --oneline --graph --all
g diff --stat HEAD~4 HEAD
g diff HEAD~2 HEAD -- big/blob.txt >"$repo.diff"  # (not into a pipe that closes early)
head -n 200 "$repo.diff"
g blame --porcelain src/mod1/file17.txt | grep -c '^author '
g grep -c 'value 1' HEAD -- src lib | tail -n 20
g ls-tree -r HEAD | wc -l
g archive --format=tar HEAD | cksum
g gc -q
g fsck --full --strict
echo "fsck exit $?"
g count-objects -v
g rev-list --all --objects | wc -l
g verify-pack -s .git/objects/pack/*.idx
g cat-file -p HEAD:big/blob.txt | tail -n 3
echo "$calls" >"$repo.count"
echo "git commands that failed: $failed"
[ "$failed" -eq 0 ]
SH
    bash "$tmp/git_work.sh" "$tmp/git_ref" >"$tmp/git.ref" 2>"$tmp/git.ref.err"
    echo $? >"$tmp/git.ref.rc"
    : >"$tmp/git.stats"
    PRE="$lib" STATS="$tmp/git.stats" bash "$tmp/git_work.sh" "$tmp/git_pre" \
        >"$tmp/git.out" 2>"$tmp/git.out.err"
    echo $? >"$tmp/git.out.rc"
    git_calls=$(cat "$tmp/git_pre.count" 2>/dev/null || echo 1)
    compare git "$git_calls"
else
    not_installed git git
fi

# ---------------------------------------------------------------- sqlite3
if command -v sqlite3 >/dev/null 2>&1; then
    awk 'BEGIN {
        print "CREATE TABLE cities(name TEXT PRIMARY KEY, country TEXT, pop INTEGER);"
        split("Lyon Oslo Porto Turin Graz Malmo Ghent Split Cork Brno Basel Lodz", c, " ")
        split("FR NO PT IT AT SE BE HR IE CZ CH PL", k, " ")
        for (i = 1; i <= 12; i++) printf "INSERT INTO cities VALUES(%c%s%c, %c%s%c, %d);\n", 39, c[i], 39, 39, k[i], 39, i * 123457 % 900000
        print "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT, city TEXT, age INTEGER, score REAL, note TEXT);"
        print "BEGIN;"
        s = 1
        for (i = 1; i <= 20000; i++) {
            s = (s * 75 + 74) % 65537
            name = sprintf("p%05d_%c%c%c", (s * 13) % 100000, 97 + s % 26, 97 + (s / 26) % 26, 97 + i % 26)
            printf "INSERT INTO people(name, city, age, score, note) VALUES(%c%s%c, %c%s%c, %d, %.2f, %cnote %d %s%c);\n", \
                39, name, 39, 39, c[1 + s % 12], 39, 18 + s % 60, (s % 100000) / 100.0, 39, i, substr("abcdefghijklmnopqrstuvwxyz", 1 + i % 26), 39
        }
        print "COMMIT;"
    }' >"$tmp/load.sql"
    cat >"$tmp/query.sql" <<'SQL'
SELECT count(*), sum(age), round(avg(score), 4), min(name), max(name) FROM people;
SELECT city, count(*), round(avg(age), 3), max(score), min(score) FROM people GROUP BY city ORDER BY city;
CREATE INDEX people_age_name ON people(age, name);
CREATE INDEX people_city ON people(city);
SELECT age, count(*), min(name) FROM people WHERE age BETWEEN 30 AND 36 GROUP BY age ORDER BY age;
SELECT p.id, p.name, c.country, p.score FROM people p JOIN cities c ON c.name = p.city
 WHERE p.score > 640 ORDER BY p.score DESC, p.id LIMIT 25;
SELECT c.country, count(*), sum(p.age), round(avg(p.score), 2) FROM people p
 JOIN cities c ON c.name = p.city GROUP BY c.country ORDER BY 2 DESC, 1;
SELECT a.name, b.name FROM people a JOIN people b ON a.age = b.age AND a.city = b.city AND a.id < b.id
 WHERE a.id % 500 = 1 ORDER BY a.id, b.id LIMIT 30;
SELECT city, name, score, r FROM (SELECT city, name, score,
 rank() OVER (PARTITION BY city ORDER BY score DESC, name) AS r FROM people) WHERE r <= 2 ORDER BY city, r;
SELECT group_concat(name, ',') FROM (SELECT name FROM people ORDER BY name LIMIT 40);
UPDATE people SET note = note || printf('-%05d-%s', id, upper(substr(name, 8))) WHERE id % 3 = 0;
DELETE FROM people WHERE id % 7 = 0;
SELECT count(*), sum(length(note)), max(length(note)) FROM people;
WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < 20000)
 SELECT sum(x * x) % 1000000007, count(*) FROM cnt;
SELECT substr(note, 1, 12), count(*) FROM people GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10;
VACUUM;
PRAGMA integrity_check;
SELECT count(*) FROM people WHERE name LIKE 'p1%';
SQL
    cat "$tmp/load.sql" "$tmp/query.sql" >"$tmp/all.sql"
    # An in-memory database: every page lives in malloc'd memory.
    STDIN="$tmp/all.sql" run_both sqlite3 sqlite3 -batch :memory:
    compare sqlite3 1
else
    not_installed sqlite3 sqlite3
fi

# ---------------------------------------------------------------- perl
# perl-base (always on Debian) has no Math::BigInt: that needs perl.
if command -v perl >/dev/null 2>&1 && perl -MMath::BigInt -e 1 2>/dev/null; then
    cat >"$tmp/work.pl" <<'PL'
use strict;
use warnings;
use Math::BigInt;
my $seed = 42;
sub rnd { $seed = ($seed * 1103515245 + 12345) % 2147483648; return $seed >> 8; }
my @words = map { my $n = 3 + rnd() % 10; join '', map { chr(97 + rnd() % 26) } 1 .. $n } 1 .. 60000;
my %count;
$count{$_}++ for @words;
my @top = (sort { $count{$b} <=> $count{$a} || $a cmp $b } keys %count)[0 .. 9];
printf "%s %d\n", $_, $count{$_} for @top;
print scalar(keys %count), " distinct\n";

my $text = join ' ', @words;
my @m = $text =~ /\b([a-m]{3,})([n-z]+)\b/g;
print scalar(@m), " regex captures, first $m[0]/$m[1]\n";
(my $t2 = $text) =~ s/([aeiou])\1/uc($1) x 3/ge;
print length($t2), " ", unpack("%32C*", $t2), "\n";
my @split = split /(?:qu|x[aeiou]|zz)/, $text;
print scalar(@split), " pieces\n";

my @recs = map { { id => $_, name => $words[$_], score => ($_ * 7919) % 1000 } } 0 .. 24999;
my @sorted = sort { $b->{score} <=> $a->{score} || $a->{name} cmp $b->{name} || $a->{id} <=> $b->{id} } @recs;
print join(',', map { $_->{id} } @sorted[0 .. 11]), "\n";
my $report = '';
$report .= sprintf("%05d|%-12s|%8.3f|%x\n", $_->{id}, $_->{name}, $_->{score} / 7, $_->{id} * 31) for @sorted;
print length($report), " ", unpack("%32C*", $report), "\n";

my %by_letter;
push @{ $by_letter{ substr($_, 0, 1) } }, $_ for @words;
for my $l (sort keys %by_letter) {
    my @s = sort @{ $by_letter{$l} };
    printf "%s %d %s %s\n", $l, scalar(@s), $s[0], $s[-1];
}
my %nested;
for my $i (0 .. 29999) {
    $nested{ $words[$i] }{ length $words[$i] }[ $i % 5 ] .= substr($words[$i], 0, 2);
}
my $total = 0;
for my $k (sort keys %nested) { for my $l (sort keys %{ $nested{$k} }) { $total += length(join '', grep { defined } @{ $nested{$k}{$l} }); } }
print "nested $total\n";

my $big = join '', map { sprintf "%08x", ($_ * 2654435761) % 4294967296 } 1 .. 200000;
print length($big), " ", unpack("%32C*", $big), "\n";
my @f = split /(?<=0)/, substr($big, 0, 1_000_000);
print scalar(@f), " fields\n";
my $f = Math::BigInt->new(1);
$f->bmul($_) for 1 .. 1200;
my $fs = "$f";
print length($fs), " ", substr($fs, 0, 30), "\n";
delete $count{$_} for grep { length($_) % 2 } keys %count;
print scalar(keys %count), " after delete\n";
my @chunks;
push @chunks, 'x' x (($_ % 17 + 1) * 40000) for 1 .. 200;
print scalar(@chunks), " ", length(join '', @chunks[0 .. 50]), "\n";
PL
    export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0
    run_both perl perl "$tmp/work.pl"
    compare perl 1
else
    not_installed perl perl
fi

# ---------------------------------------------------------------- C++
if command -v g++ >/dev/null 2>&1; then
    cat >"$tmp/work.cpp" <<'CPP'
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct alignas(64) Cell { double v[8]; };
struct Node { std::string key; std::vector<int> vals; std::unique_ptr<Node> next; };

static unsigned lcg(unsigned &s) { s = s * 1103515245u + 12345u; return s >> 8; }

static std::string word(unsigned &s) {
    std::string w;
    unsigned n = 3 + lcg(s) % 12;
    for (unsigned i = 0; i < n; i++) w += char('a' + lcg(s) % 26);
    return w;
}

int main() {
    unsigned s = 7;
    std::vector<std::string> words;
    for (int i = 0; i < 120000; i++) words.push_back(word(s));
    std::map<std::string, int> freq;
    for (auto &w : words) freq[w]++;
    std::cout << "distinct " << freq.size() << " first " << freq.begin()->first << " last " << freq.rbegin()->first << "\n";

    std::unordered_map<int, std::vector<std::string>> buckets;
    for (auto &w : words) buckets[(int)w.size()].push_back(w);
    std::vector<int> keys;
    for (auto &kv : buckets) keys.push_back(kv.first);
    std::sort(keys.begin(), keys.end());
    for (int k : keys) {
        auto &v = buckets[k];
        std::sort(v.begin(), v.end());
        std::cout << "len " << k << " " << v.size() << " " << v.front() << " " << v.back() << "\n";
    }

    // Raw new/delete of many sizes, including large arrays.
    std::vector<char *> raw;
    for (int i = 0; i < 20000; i++) {
        size_t n = 1 + (i * 7919) % 5000 + (i % 100 == 0 ? 3u << 20 : 0u);
        char *p = new char[n];
        p[0] = char(i); p[n - 1] = char(i >> 3);
        raw.push_back(p);
        if (i % 3 == 0) { delete[] raw.back(); raw.pop_back(); }
    }
    long check = 0;
    for (char *p : raw) { check += p[0]; delete[] p; }
    std::cout << "raw " << raw.size() << " " << check << "\n";

    // Over-aligned new (operator new with std::align_val_t).
    std::vector<std::unique_ptr<Cell>> cells;
    int misaligned = 0;
    for (int i = 0; i < 5000; i++) {
        cells.emplace_back(new Cell());
        cells.back()->v[i % 8] = i;
        misaligned += (reinterpret_cast<std::uintptr_t>(cells.back().get()) % 64) != 0;
    }
    auto arr = std::make_unique<Cell[]>(1000);
    misaligned += (reinterpret_cast<std::uintptr_t>(arr.get()) % 64) != 0;
    std::cout << "cells " << cells.size() << " misaligned " << misaligned << "\n";

    // Linked structures and shared ownership.
    std::unique_ptr<Node> head;
    for (int i = 0; i < 30000; i++) {
        auto n = std::make_unique<Node>();
        n->key = words[i];
        n->vals.assign(i % 13, i);
        n->next = std::move(head);
        head = std::move(n);
    }
    long sum = 0;
    for (Node *n = head.get(); n; n = n->next.get()) sum += std::accumulate(n->vals.begin(), n->vals.end(), 0L);
    while (head) head = std::move(head->next); // iterative teardown
    std::cout << "list sum " << sum << "\n";
    std::vector<std::shared_ptr<std::string>> shared;
    for (int i = 0; i < 20000; i++) shared.push_back(std::make_shared<std::string>(words[i] + words[i + 1]));
    std::list<std::shared_ptr<std::string>> copies(shared.begin(), shared.end());
    shared.clear();
    size_t total = 0;
    for (auto &p : copies) total += p->size();
    std::cout << "shared " << copies.size() << " " << total << "\n";

    // Threads building their own containers; results printed in order.
    std::vector<std::string> results(4);
    std::mutex m;
    std::set<std::string> all;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) {
        threads.emplace_back([t, &results, &words, &m, &all] {
            std::map<std::string, long> local;
            std::ostringstream os;
            for (int i = 0; i < 60000; i++) {
                const std::string &w = words[(i * 7 + t * 1000) % words.size()];
                local[w + std::to_string(i % 50)] += i;
                if (i % 1000 == 0) os << w.substr(0, 2);
            }
            long acc = 0;
            for (auto &kv : local) acc = (acc * 31 + kv.second) % 1000000007;
            std::lock_guard<std::mutex> g(m);
            for (auto it = local.begin(); it != local.end() && all.size() < 100000; ++it) all.insert(it->first);
            results[t] = std::to_string(local.size()) + ":" + std::to_string(acc) + ":" + os.str();
        });
    }
    for (auto &th : threads) th.join();
    for (auto &r : results) std::cout << "thread " << r << "\n";
    std::cout << "set " << all.size() << " " << *all.begin() << "\n";

    // String building and big vectors.
    std::string big;
    for (int i = 0; i < 200000; i++) { big += words[i % words.size()]; big += ','; }
    unsigned h = 0;
    for (char c : big) h = h * 131 + (unsigned char)c;
    std::cout << "big " << big.size() << " " << h << "\n";
    std::vector<long> v;
    for (long i = 0; i < 3000000; i++) v.push_back(i * i % 1000003);
    std::sort(v.begin(), v.end());
    std::cout << "vec " << v.size() << " " << v[v.size() / 2] << " " << std::accumulate(v.begin(), v.end(), 0L) << "\n";
    return 0;
}
CPP
    if g++ -std=c++17 -O2 -pthread -o "$tmp/work_cpp" "$tmp/work.cpp" >"$tmp/cpp.build" 2>&1; then
        run_both cpp "$tmp/work_cpp"
        compare cpp 1
        # Its four std::threads exited: their caches were handed back.
        if ! grep -qE ' caches_released +([4-9]|[1-9][0-9]+)$' "$tmp/cpp.stats"; then
            fail "cpp: the statistics do not show the 4 exited threads:" "$(cat "$tmp/cpp.stats")"
            bad_programs+=("cpp(caches_released)")
        fi
    else
        fail "cpp: g++ could not build the test program"
        bad_programs+=("cpp(build)")
        tail -n 20 "$tmp/cpp.build"
    fi
else
    not_installed cpp g++
fi
if [ "$failures" -gt 0 ]; then
    echo "$failures failure(s) in: ${bad_programs[*]}"
    exit 1
fi
if [ "$ran" -eq 0 ]; then
    echo "none of python3, git, sqlite3, perl, g++ is installed"
    exit 77
fi
echo "ok: $ran programs gave identical output with hakmem"
exit 0
