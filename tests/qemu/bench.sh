#!/bin/bash
# Usage: bench.sh [KERNEL] [--quick] [--cases DIGITS]   (KERNEL: see kernel.sh)
# make bench: build the module (its bench_* parameters, off by default, give
# the no-yield and exclusive-fault baselines and the memory floor), boot
# KERNEL (default 6.1), run tdproot-bench and keep its table and metrics in
# bench/.
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

build=$top/.build
"$here/build-tests.sh" "$build/bin"
use_kernel "$kernel"
ko=$("$here/build-module.sh" "$kernel" "$kdir")

out=$build/bench-$kernel
info "booting $kver for tdproot-bench ${quick:+(quick)}"
"$here/boot.sh" --kernel "$image" --ko "$ko" --bin "$build/bin" --stream \
	--out "$out" --timeout "$([[ -n $quick ]] && echo 900 || echo 3600)" --mem 3G \
	${boot_append:+--append "$boot_append"} \
	--cmd "insmod /tdproot.ko && tdproot-bench $quick ${cases:+-c $cases}"

# Full runs are kept in bench/; the quick smoke only in .build/.
dir=$top/bench
[[ -z $quick ]] || dir=$build
mkdir -p "$dir"
file=$dir/$(date +%Y%m%d-%H%M%S)-$kernel${quick:+-quick}${cases:+-p$cases}.txt
{
	echo "# tdproot-bench ${quick:+(quick) }$(date -u +%FT%TZ)"
	echo "# kernel: $kver; $(qemu-system-x86_64 --version | head -n1), TCG -cpu max -smp 2"
	echo "# host CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
	tr -d '\r' <"$out/output.log" | grep -v '^TDPROOT-EXIT'
} >"$file"
info "results: $file"
