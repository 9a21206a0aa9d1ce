#!/bin/bash
# Usage: bench.sh [KERNEL] [--quick] [--cases DIGITS]   (KERNEL: see kernel.sh)
# make bench: build the module (its bench_* parameters, off by default, give
# the no-yield and exclusive-fault baselines and the memory floor), boot
# KERNEL (default 6.1), run tdproot-bench and keep its table and metrics in
# bench/, with an SVG of the figures beside it (gnuplot). A full run exits 1
# when a goal is missed; the quick smoke (make check) only checks that every
# case ran and printed its metric lines.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

kernel=6.1 quick='' cases=''
while (($#)); do
	case $1 in
	--quick) quick=-q ;;
	--cases)
		[[ ${2:-} =~ ^[1-6]+$ ]] || die "--cases wants digits 1-6, e.g. --cases 14"
		cases=$2
		shift ;;
	*) kernel=$1 ;;
	esac
	shift
done

need_pkgs gnuplot-nox
build=$top/.build
"$here/build-tests.sh" "$build/bin"
use_kernel "$kernel"
ko=$("$here/build-module.sh" "$kernel" "$kdir")

# The commit of the code measured, taken before the boot: the tree may move
# while a full run takes its quarter of an hour.
commit=$(git -C "$top" describe --always --dirty --abbrev=12)
out=$build/bench-$kernel
info "booting $kver for tdproot-bench ${quick:+(quick)} (commit $commit)"
boot_twice "$out" "$here/boot.sh" --kernel "$image" --ko "$ko" --bin "$build/bin" --stream \
	--out "$out" --timeout "$([[ -n $quick ]] && echo 900 || echo 5400)" --mem 3G \
	${boot_append:+--append "$boot_append"} \
	--cmd "insmod /tdproot.ko && tdproot-bench $quick ${cases:+-c $cases}"

# Full runs are kept in bench/; the quick smoke only in .build/.
dir=$top/bench
[[ -z $quick ]] || dir=$build
mkdir -p "$dir"
file=$dir/$(date +%Y%m%d-%H%M%S)-$kernel${quick:+-quick}${cases:+-p$cases}.txt
{
	echo "# tdproot-bench ${quick:+(quick) }$(date -u +%FT%TZ)"
	echo "# commit: $commit"
	echo "# kernel: $kver; $(qemu-system-x86_64 --version | head -n1), TCG -cpu max -smp 2"
	echo "# host CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
	echo "# host load when the run ended (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
	tr -d '\r' <"$out/output.log" | grep -v '^TDPROOT-EXIT'
} >"$file"
info "results: $file"

# Every selected case printed its metric lines, each a number.
want=()
sel=${cases:-123456}
for ((i = 0; i < ${#sel}; i++)); do
	case ${sel:i:1} in
	1) want+=(p1_wait_ratio_16g_1g p1_wait_vs_step) ;;
	2) want+=(p2_zap_vs_floor p2_walk_vs_floor) ;;
	3) want+=(p3_shared_2_vs_1 p3_shared_vs_exclusive) ;;
	4) want+=(p4_stall_ratio_16g_1g p4_reloads_pooled) ;;
	5) want+=(p5_pt_vs_theory) ;;
	6) want+=(p6_pinned_vs_seed) ;;
	esac
done
for m in "${want[@]}"; do
	grep -qE "^metric $m -?[0-9]+(\.[0-9]+)?$" "$file" || die "$file: no metric line for $m"
done

# The picture: the "plot SERIES X Y [LABEL]" lines, one data file per series.
data=$build/bench-plot
rm -rf "$data"
mkdir -p "$data"
awk '$1 == "plot" { f = dir "/" $2 ".dat"; $1 = ""; $2 = ""; sub(/^ +/, ""); print >> f }' \
	dir="$data" "$file"
svg=${file%.txt}.svg
"$here/bench-plot.sh" "$data" "$svg" "$(basename "$file")"
info "picture: $svg"

if [[ -z $quick ]] && grep -q ' MISSED$' "$file"; then
	info "goals missed:"
	grep ' MISSED$' "$file" >&2
	exit 1
fi
