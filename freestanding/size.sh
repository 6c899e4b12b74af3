#!/usr/bin/env bash
# Code size of the freestanding port (`make fs-size`, freestanding.mk).
#   size.sh objects TITLE OBJECT...   the sections of some objects, summed
#   size.sh image TITLE MAPFILE       a linked image (ld.lld -Map), split
#                                     between the core (objects under core/)
#                                     and the rest
# Sections are counted by kind: .text (code), .rodata (constants: the
# geometry table, fault messages; llvm-size counts them in its "text"
# column), .data (riscv64's .sdata holds the compiler's 64-bit constants)
# and .bss (the port's includes its per-CPU stacks). In a linked image,
# the string literals of all objects are merged into one section that
# belongs to no object: reported apart.
set -u
LLVM_SIZE=${FS_SIZE:-llvm-size}

# Reads "name size" lines; prints the four sums.
sum_kinds() {
    awk '
        $1 ~ /^\.(text)/                { t += $2; next }
        $1 ~ /^\.s?rodata/              { r += $2; next }
        $1 ~ /^\.s?data/                { d += $2; next }
        $1 ~ /^\.(s?bss|fs_stacks|stacks)/ { b += $2; next }
        END { printf ".text %6d  .rodata %5d  .data %4d  .bss %7d  (text+rodata %d)\n", t, r, d, b, t + r }'
}

case ${1:-} in
objects)
    title=$2; shift 2
    printf '  %-44s ' "$title"
    for o in "$@"; do "$LLVM_SIZE" -A "$o" | awk 'NR > 2 && NF == 3 { print $1, $2 }'; done | sum_kinds
    ;;
image)
    title=$2 map=$3
    # The map's columns: VMA LMA SIZE ALIGN, then an output section (".bss"),
    # an input section ("OBJECT:(SECTION)") or a symbol, each starting at
    # its own column (the header's "Out", "In" and "Symbol"). An output
    # section gives the kind of the input sections under it.
    awk -v title="$title" '
        function hex(s,   i, v) {
            v = 0; s = tolower(s)
            for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v
        }
        /^ *VMA/ { col_out = index($0, "Out"); col_in = index($0, "In "); next }
        NF == 5 && index($0, $5) == col_out { out = $5; next }
        NF == 5 && index($0, $5) == col_in && $5 ~ /:\(/ {
            n = hex($3); obj = $5; sub(/:\(.*/, "", obj)
            kind = out ~ /^\.text/ ? "text" : out ~ /^\.s?rodata/ ? "rodata" \
                 : out ~ /^\.s?data/ ? "data" : out ~ /^\.(s?bss|fs_stacks|stacks)/ ? "bss" : ""
            if (kind == "") next
            who = obj ~ /\/core\// ? "core" : obj == "<internal>" ? "strings" : "rest"
            sum[who, kind] += n
        }
        END {
            printf "  %s\n", title
            split("core rest", whos, " ")
            for (w = 1; w <= 2; w++)
                printf "    %-42s .text %6d  .rodata %5d  .data %4d  .bss %7d\n",
                    whos[w] == "core" ? "core (core/*.o)" : "port and main (stacks in .bss)",
                    sum[whos[w], "text"], sum[whos[w], "rodata"], sum[whos[w], "data"], sum[whos[w], "bss"]
            printf "    %-42s .rodata %5d\n", "string literals of both, merged", sum["strings", "rodata"]
        }' "$map"
    ;;
*)
    echo "usage: size.sh objects TITLE OBJECT... | size.sh image TITLE MAPFILE" >&2
    exit 2
    ;;
esac
