#!/bin/bash
# Usage: soak.sh [KERNEL] [SCENARIO] [RUNS]   (defaults: 6.1 populate_zap_all 1)
# Boots KERNEL RUNS times, each running tools/scenarios/SCENARIO.sh once in
# a fresh test host (sysrq enabled for its stall watchdog), and counts
# passes, code failures and emulator faults (boot.sh's exit 75: a CPU that
# answered no NMI backtrace and no tdproot frame, or a stale text-poke INT3;
# emulator_fault in lib.sh). An emulator fault is
# reported as such, never as a pass, and its run is repeated once. Exits 1
# on any code failure or a repeated emulator fault.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

kernel=${1:-6.1} scenario=${2:-populate_zap_all} runs=${3:-1}
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS wants a positive number, not '$runs'"
if [[ ! -f $top/tools/scenarios/$scenario.sh ]]; then
	have=("$top"/tools/scenarios/*.sh)
	have=("${have[@]##*/}")
	die "no scenario '$scenario' (have: ${have[*]%.sh})"
fi
build=$top/.build
"$here/build-tests.sh" "$build/bin"
use_kernel "$kernel"
ko=$("$here/build-module.sh" "$kernel" "$kdir")
mkdir -p "$build/soak"

pass=0 fail=0 emu=0
boot_once() { # OUT
	local rc=0
	"$here/boot.sh" --kernel "$image" --ko "$ko" --bin "$build/bin" --out "$1" \
		--timeout 900 --mem 4G --append "sysrq_always_enabled $boot_append" \
		--cmd "$scenario.sh" 2>"$1.verdict" || rc=$?
	cat "$1.verdict" >&2
	return "$rc"
}
for ((i = 1; i <= runs; i++)); do
	out=$build/soak/$kernel-$scenario-$i rc=0
	boot_twice "$out" boot_once "$out" || rc=$?
	[[ ! -e $out.emulator-fault ]] || emu=$((emu + 1))
	((rc != 75)) || { info "run $i: emulator fault again"; fail=$((fail + 1)); continue; }
	if ((rc == 0)); then
		pass=$((pass + 1))
		info "run $i: pass"
	else
		fail=$((fail + 1))
		info "run $i: FAIL"
	fi
done
echo "soak $scenario on $kver: runs=$runs pass=$pass fail=$fail emulator_faults=$emu"
((fail == 0))
