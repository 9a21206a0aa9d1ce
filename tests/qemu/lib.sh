#!/bin/bash
# Shared helpers for the tdproot test-host scripts. Source, don't execute.
# shellcheck shell=bash

TDPROOT_CACHE=${TDPROOT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/tdproot}
export TDPROOT_CACHE
TDPROOT_HOST=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

info() { printf 'tdproot: %s\n' "$*" >&2; }
die() { printf 'tdproot: %s\n' "$*" >&2; exit 1; }

# need_pkgs PKG... - install missing Debian packages (root), or tell the user how.
need_pkgs() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	((${#missing[@]})) || return 0
	if ((EUID != 0)); then
		info "missing packages; run: sudo apt-get install -y --no-install-recommends ${missing[*]}"
		exit 1
	fi
	info "installing: ${missing[*]}"
	local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends)
	# Try without refreshing the index first; update only if that fails.
	"${apt[@]}" "${missing[@]}" >&2 ||
		{ apt-get update -q >&2 && "${apt[@]}" "${missing[@]}" >&2; } ||
		die "failed to install: ${missing[*]}"
}

# use_kernel NAME - resolve test kernel NAME (6.1, 6.12, 6.12-rt, debug,
# debug:PATH; see kernel.sh), fetching or building it into the cache, and
# set kver, image and kdir, plus boot_append: the kernel command line the
# harness adds for it (the debug kernel's checkers announce themselves at
# pr_info, so its console runs at loglevel 7).
# shellcheck disable=SC2034 # set for the caller
use_kernel() {
	local k
	k=$("$TDPROOT_HOST/kernel.sh" "$1") || exit 1
	IFS=$'\t' read -r kver image kdir <<<"$k"
	boot_append=''
	[[ $1 != debug* ]] || boot_append=loglevel=7
}

# kvm_kmods - "--kmod FILE" arguments for boot.sh: KVM's AMD modules of the
# kernel use_kernel chose, if its package has them (the debug kernel is
# built without KVM), for the test that KVM and tdproot do not share SVM.
kvm_kmods() {
	local dir=${image%/boot/*}/lib/modules/$kver/kernel m f
	for m in virt/lib/irqbypass drivers/crypto/ccp/ccp arch/x86/kvm/kvm arch/x86/kvm/kvm-amd; do
		for f in "$dir/$m.ko" "$dir/$m.ko.xz"; do
			[[ ! -f $f ]] || printf -- '--kmod\n%s\n' "$f"
		done
	done
}

# is_debug NAME - whether NAME is the debug kernel (lockdep, KASAN, kmemleak).
is_debug() { [[ $1 == debug || $1 == debug:* ]]; }

# checkers_report OUT - after a debug-kernel boot with logs in OUT: print
# whether lockdep, KASAN and kmemleak announced themselves and whether the
# final kmemleak scan ran; fail if any is missing. (A report from any of
# them is a splat, which boot.sh already fails on.)
checkers_report() {
	local out=$1 banner ok=0
	for banner in 'Lock dependency validator' 'KernelAddressSanitizer initialized' \
		'Kernel memory leak detector initialized'; do
		if grep -qa "$banner" "$out/console.log"; then
			info "checker on: $banner"
		else
			info "checker MISSING: no '$banner' on the console"
			ok=1
		fi
	done
	if grep -qa 'TDPROOT-KMEMLEAK-SCANNED' "$out/output.log"; then
		if grep -qa 'unreferenced object' "$out/console.log"; then
			info "kmemleak: final scan found leaks (console.log)"
			ok=1
		else
			info "kmemleak: final scan after the objects aged: no leaks"
		fi
	else
		info "kmemleak: the final scan did not run"
		ok=1
	fi
	return $ok
}

# boot_evidence OUT - one line for a summary: the first kernel splat on the
# console of a failed boot (logs in OUT), the test that was running then
# (each announces itself on the kernel log), and the panic message if any.
boot_evidence() {
	local log=$1/console.log first test panic
	first=$(grep -anF -f "$TDPROOT_HOST/../../tools/splats.txt" "$log" | head -n1 | cut -d: -f1)
	panic=$(grep -aoE 'Kernel panic - not syncing: .*' "$log" | head -n1 | tr -d '\r')
	if [[ -z $first ]]; then
		test=$(grep -aoE 'tdproot-test: [^ ]+ begins' "$log" | tail -n1 | cut -d' ' -f2)
		echo "no splat on the console${test:+, last test begun: $test}"
		return
	fi
	test=$(head -n "$first" "$log" | grep -aoE 'tdproot-test: [^ ]+ begins' | tail -n1 | cut -d' ' -f2)
	echo "${test:+in $test: }$(sed -n "${first}p" "$log" | tr -d '\r' |
		sed 's/^\[ *[0-9.]*\] //')${panic:+ / $panic}"
}

# monitor_ask SOCK COMMAND - what a test host's QEMU monitor answers.
monitor_ask() {
	python3 "$TDPROOT_HOST/monitor.py" ask "$1" "$2"
}

# vcpu_rips OUT IMAGE - one line: where each vCPU was in the looks boot.sh
# took before a timeout (OUT/vcpus.log), as symbols of IMAGE's System.map
# (the debug kernel's build tree), of the symbols the command printed from
# /proc/kallsyms if it did, or as _text+offset (Debian's System.map is a
# stub; the -dbg package's resolves it); empty without a look.
vcpu_rips() {
	local out=$1 image=$2 map text
	[[ -s $out/vcpus.log ]] || return 0
	map=$(dirname "$image")/System.map-${image##*/vmlinuz-}
	[[ -f $map ]] || map=$(dirname "$image")/../../../System.map
	# A command that printed the kernel's own symbols (text_poke_toggle.sh).
	tr -d '\r' <"$out/output.log" | grep -aE '^[0-9a-f]{16} [tT] [^ ]+$' >"$out/kallsyms.map" || true
	[[ ! -s $out/kallsyms.map ]] || map=$out/kallsyms.map
	text=$(grep -aom1 'tdproot-boot: _text at [0-9a-f]*' "$out/console.log" | awk '{print $NF}')
	[[ -f $map && -n $text ]] || return 0
	python3 "$TDPROOT_HOST/monitor.py" rips "$out/vcpus.log" "$map" "$text" || true
}

# stale_int3 LOG - whether the first oops in LOG is a kernel-mode "int3"
# whose instruction is no longer INT3: the Code: line (the bytes as they are
# when the oops prints) shows something else than 0xcc right before the
# faulting RIP. A real INT3 in kernel text stays there; a text_poke_bp()
# breakpoint is gone once the patching finished, and the patcher finishes
# only after every CPU took its IPI, so a CPU that trapped on one afterwards
# executed bytes it should no longer see: cross-modifying code the emulator
# did not synchronize (tools/scenarios/text_poke_toggle.sh reproduces it
# with no tdproot loaded). Prints the evidence; 0 if so.
stale_int3() {
	local log=$1 first rip code
	first=$(grep -anF -f "$TDPROOT_HOST/../../tools/splats.txt" "$log" | head -n1)
	[[ $first == *'Oops: int3:'* ]] || return 1
	first=${first%%:*}
	rip=$(tail -n "+$first" "$log" | grep -aom1 'RIP: 0010:[^ ]*' | cut -d: -f3)
	code=$(tail -n "+$first" "$log" | grep -aom1 'Code: .*' | tr -d '\r')
	[[ -n $rip && $code =~ \ ([0-9a-f]{2})\ \<[0-9a-f]{2}\> ]] || return 1
	[[ ${BASH_REMATCH[1]} != cc ]] || return 1
	info "emulator fault: a CPU trapped on an INT3 at $rip that is no longer there (the byte before RIP is now ${BASH_REMATCH[1]}): a text_poke_bp() breakpoint executed after the patching finished"
	return 0
}

# emulator_fault OUT - whether a failed boot (logs in OUT) looks like the
# emulator's fault rather than like a kernel bug. Either a stale INT3
# (stale_int3), or a vCPU that stopped running: a stall or lockup was
# reported, some CPU never answered the NMI backtrace requests that followed
# (a CPU spinning with interrupts off still answers NMIs), and no backtrace
# shows a tdproot function. Prints the evidence; 0 if so.
emulator_fault() {
	local log=$1/console.log ncpu cpu silent=() first
	stale_int3 "$log" && return 0
	first=$(grep -anE 'rcu: INFO|detected stalls|soft lockup' "$log" | head -n1 | cut -d: -f1)
	[[ -n $first ]] || return 1
	ncpu=$(grep -aoE 'smp: Brought up [0-9]+ node[s]?, [0-9]+ CPU' "$log" | grep -oE '[0-9]+ CPU' | cut -d' ' -f1)
	[[ -n $ncpu ]] || return 1
	for ((cpu = 0; cpu < ncpu; cpu++)); do
		tail -n "+$first" "$log" | grep -aqE "NMI backtrace for cpu $cpu( |$)|CPU: $cpu PID" ||
			silent+=("$cpu")
	done
	((${#silent[@]})) || return 1
	if tail -n "+$first" "$log" | grep -aq '\[tdproot\]'; then
		return 1
	fi
	info "emulator fault: CPU ${silent[*]} answered no backtrace after the first stall report (line $first), no tdproot frame in any backtrace"
	return 0
}

# boot_twice OUT BOOT-COMMAND... - run a command that boots into OUT (a
# boot.sh command line, or a function around one); a boot the emulator broke
# (exit 75: a stale text-poke INT3 or a vCPU that stopped answering, see
# emulator_fault) is reported and booted once more, its logs kept in
# OUT.emulator-fault, which exists afterwards only if that happened. Returns
# the last boot's status: 75 again is the caller's to report.
boot_twice() {
	local out=$1 rc=0
	shift
	rm -rf "$out.emulator-fault"
	"$@" || rc=$?
	((rc == 75)) || return "$rc"
	mv "$out" "$out.emulator-fault"
	info "EMULATOR FAULT in the boot (logs in $out.emulator-fault), booting again"
	"$@"
}
