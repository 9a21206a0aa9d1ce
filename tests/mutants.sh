#!/bin/bash
# Usage: mutants.sh [KERNEL] [MUTANT...]
# Builds the module once per mutant (a compile-time switch that reintroduces
# a bug from LIFECYCLE.md), runs the whole suite on it in a booted KERNEL
# (default 6.1; see host/kernel.sh) and reports whether the suite failed and
# which test killed it. A mutant whose failure is a memory-safety bug always
# runs on the debug kernel (KASAN), built if it is not cached: it never runs
# on a kernel that cannot see its failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
# shellcheck source=host/lib.sh
. "$here/host/lib.sh"

all=(rezap_invalid free_without_rcu dec_not_one reader_gets_invalid no_yield
	put_before_zap no_rcu_barrier missed_invalidate stale_tlb)
# Bugs that corrupt memory rather than counters: KASAN sees them first.
memory=" free_without_rcu dec_not_one no_rcu_barrier "

kernel=${1:-6.1}
shift || true
(($#)) && all=("$@")

build=$top/.build
"$here/build-tests.sh" "$build/bin"

mkdir -p "$build/mutants"
killed=0 survived=0
results=()
for m in "${all[@]}"; do
	k=$kernel
	[[ $memory != *" $m "* ]] || k=debug
	use_kernel "$k"
	ko=$(TDPROOT_BUILD_TAG=mut-$m "$here/build-module.sh" "$k" "$kdir" TDPROOT_MUTANT="$m")
	out=$build/mutants/$m
	info "mutant $m on $k"
	if "$here/host/boot.sh" --kernel "$image" --ko "$ko" --bin "$build/bin" \
		--cmd "suite.sh" --out "$out" --timeout "$(is_debug "$k" && echo 1800 || echo 900)" ${boot_append:+--append "$boot_append"} \
		2>"$out.verdict"; then
		results+=("$(printf '%-20s SURVIVED (%s)' "$m" "$k")")
		survived=$((survived + 1))
		continue
	fi
	log=$(tr -d '\r' <"$out/output.log")
	by=$(grep -m1 '^    not ok' <<<"$log" | awk '{print $4}' || true)
	if [[ -z $by ]]; then
		# The kernel died mid-test: the last test started is the killer.
		by="$(grep '^    #  RUN' <<<"$log" | tail -n1 | awk '{print $3}') ($(grep -ahoE 'WARNING:.*|BUG:.*|KASAN:.*|timeout.*' "$out/console.log" "$out.verdict" 2>/dev/null | head -n1 | tr -d '\r' |
			sed "s|$top/.build/mod-[^/]*/||g" | cut -c1-70))"
	fi
	results+=("$(printf '%-20s killed by %s (%s)' "$m" "$by" "$k")")
	killed=$((killed + 1))
done

echo
printf '%s\n' "${results[@]}"
echo "mutants: killed=$killed survived=$survived"
((survived == 0))
