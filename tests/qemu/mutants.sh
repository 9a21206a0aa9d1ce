#!/bin/bash
# Usage: mutants.sh [--rejudge] [--hw] [KERNEL] [MUTANT...]
# Each mutant is tests/mutants/NAME.patch: a small diff against src/ that
# re-creates a bug of the lifecycle's history (its header says which, what
# should catch it, on which kernels it runs and which consequences count).
# Per mutant and kernel: copy the tree, apply the patch, build, run the
# whole suite in a booted test host and judge the failure by its
# consequence, as a user of KVM would see it:
#   kasan      a KASAN report            oops      an oops / GPF
#   refcount   a refcount_t warning      lockup    soft lockup, hung task, RCU stall
#   integrity  a stale or poisoned translation (integrity_errors)
#   leak       roots or tables outliving their VM, kmemleak
#   latency    mmu_lock held across a whole big zap (bigzap)
#   hang       a test timed out or vCPUs stopped making progress
#   guest      a vcpu=svm guest died: the CPU could not run it on (a wild
#              exit, RIP or fault: its memory or state was corrupted)
#   cpu        the CPU's own walk of a root saw the bug: a nested page fault
#              with reserved bits (it walked a poisoned, freed table) or a
#              value the guest read back wrong
# The test host boots with panic_on_warn=0 here, so that a WARN (tdproot's
# invariants are WARN_ON_ONCE) does not end the run before the consequence
# shows; oops=panic, softlockup_panic and hung_task_panic stay.
# A boot the emulator broke (boot.sh exits 75: a stale text-poke INT3,
# see lib.sh) judges nothing and is booted once more.
# A mutant counts as killed only if one of the consequences its header
# accepts was seen; a failure by anything else (an invariant WARN beside the
# bug, a counter) is reported and counted as survived. "6.1" in a header
# stands for KERNEL (default 6.1); "debug" and "6.12-rt" are always those.
# --rejudge builds and boots nothing: it judges the logs the last run left
# in .build/mutants again, with these rules (make mutants REJUDGE=1).
# --hw is the hardware's view (make mutants HW=1): the mutants whose header
# has a "Hardware:" line, each on KERNEL whatever the header says, with only
# the svm tests (tdproot_test -f svm), and only what the CPU or the guest
# reported counts: kinds cpu and guest. "Hardware: yes: ..." says what the
# CPU should see; "Hardware: no: ..." says why the bug stays on the host
# side, where only the ordinary run catches it: such a mutant that the svm
# tests pass, or that fails by a host-side consequence (KASAN, refcount, ...)
# the CPU did not see, is counted as host_only, not as survived.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

rejudge='' hw=''
while [[ ${1:-} == --* ]]; do
	case $1 in
	--rejudge) rejudge=1 ;;
	--hw) hw=1 ;;
	*) die "usage: mutants.sh [--rejudge] [--hw] [KERNEL] [MUTANT...]" ;;
	esac
	shift
done
kernel=${1:-6.1}
shift || true
all=()
for p in "$top"/tests/mutants/*.patch; do
	[[ -z $hw ]] || grep -q '^Hardware: ' "$p" || continue
	all+=("$(basename "$p" .patch)")
done
(($#)) && all=("$@")

field() { sed -n "s/^$2: //p" "$1" | head -n1; }

# boot_mutant: one boot of the mutant module $ko on kernel $k running $cmd
# into $out; boot.sh's verdict goes to $out.verdict and into $out, so an
# emulator fault's logs keep theirs.
boot_mutant() {
	local rc=0
	"$here/boot.sh" --kernel "$image" --ko "$ko" --bin "$build/bin" \
		--with trace-cmd --cmd "$cmd" --out "$out" \
		--timeout "$(is_debug "$k" && echo 1800 || echo 900)" \
		--append "panic_on_warn=0${boot_append:+ $boot_append}" \
		2>"$out.verdict" || rc=$?
	[[ ! -d $out ]] || cp "$out.verdict" "$out/verdict"
	return "$rc"
}

# consequence OUT ACCEPTED: the first accepted consequence seen, else
# "other: <first failure>"; prints "kind: evidence<TAB>test". The test is
# the one that showed it: for a kernel message, the last test the suite
# announced on the console before it (tdp_clean_slate() writes
# "tdproot-test: NAME begins" to /dev/kmsg); for a test's own output, the
# test whose result line follows it; empty if neither says.
consequence() {
	local out=$1 accepted=" $2 " kind pat hit n log test
	declare -A pats=(
		[kasan]='BUG: KASAN: [^ ]+ in [^ ]+'
		[oops]='BUG: unable to handle [^(]+|general protection fault[^,]*|kernel BUG at [^!]+'
		[refcount]='refcount_t: [^.]+\.'
		[lockup]='soft lockup - CPU#[0-9]+ stuck for [0-9]+s|task [^ ]+ blocked for more than [0-9]+ seconds|rcu: INFO: [a-z_]+ (self-)?detected stalls?'
		[integrity]='a vCPU walked a freed table|a vCPU used a translation cached before zap_range|translated to pfn 0x[0-9a-f]+, not its backing page|a root older than zap_all [0-9]+ escaped it|translated to pfn 0x[0-9a-f]+: a page migrate retired|zap: gfn 0x[0-9a-f]+ \(frame 0x[0-9a-f]+\) still on pfn 0x[0-9a-f]+|a zap found gfn 0x[0-9a-f]+ .* mapped to pfn 0x[0-9a-f]+, [a-z ]+: an invalidation missed this root|[0-9]+ written frames? missing from the dirty log|the guest.s (read|write) of gfn 0x[0-9a-f]+ \(frame 0x[0-9a-f]+\) found stamp 0x[0-9a-f]+|Expected 0 \(0\) == .*"integrity_errors"'
		[leak]='roots or tables outlived it; leaking the VM|unreferenced object 0x[0-9a-f]+|Expected .*"(roots_live|pt_pages_live|leaf_sptes|roots_freed|pt_pages_freed)"'
		[latency]='Expected .*longest_hold_ns.*'
		[hang]='Test terminated by timeout|timeout after [0-9]+s|vCPUs made no progress'
		[guest]='vcpu=svm: the guest stopped(: exit 0x[0-9a-f]+| at rip 0x[0-9a-f]+)'
		[cpu]='a vCPU walked a freed table \(the CPU.s nested walk[^)]*\)|the guest.s (read|write) of gfn 0x[0-9a-f]+ \(frame 0x[0-9a-f]+\) found stamp 0x[0-9a-f]+: [a-z ]+'
	)
	for kind in kasan oops refcount lockup integrity leak latency hang cpu guest; do
		[[ $accepted == *" $kind "* ]] || continue
		pat=${pats[$kind]}
		for log in console.log output.log; do
			hit=$(tr -d '\r' <"$out/$log" 2>/dev/null | grep -anE -m1 "$pat" || true)
			[[ -n $hit ]] || continue
			n=${hit%%:*}
			hit=$(grep -oE -m1 "$pat" <<<"${hit#*:}")
			if [[ $log == console.log ]]; then
				test=$(tr -d '\r' <"$out/$log" | head -n "$n" |
					grep -aoE 'tdproot-test: [^ ]+ begins' | tail -n1 | awk '{print $2}' || true)
			else
				test=$(tr -d '\r' <"$out/$log" | tail -n "+$n" |
					grep -aE -m1 '^    (not )?ok [0-9]+ ' | awk '{print $NF}' || true)
			fi
			printf '%s: %s\t%s\n' "$kind" "${hit:0:72}" "$test"
			return
		done
		hit=$(tr -d '\r' <"$out.verdict" 2>/dev/null | grep -aoE -m1 "$pat" || true)
		if [[ -n $hit ]]; then
			printf '%s: %s\t\n' "$kind" "${hit:0:72}"
			return
		fi
	done
	hit=$(cat "$out/console.log" "$out/output.log" "$out.verdict" 2>/dev/null | tr -d '\r' |
		grep -aoE -m1 'WARNING: CPU: [0-9]+ PID: [0-9]+ at [^ ]+|BUG: .*|Expected .*|not ok .*' | head -n1 || true)
	printf 'other: %s\t\n' "${hit:0:72}"
}

build=$top/.build
[[ -n $rejudge ]] || "$here/build-tests.sh" "$build/bin"

mkdir -p "$build/mutants"
killed=0 survived=0 host_only=0
results=()
for m in "${all[@]}"; do
	patch=$top/tests/mutants/$m.patch
	[[ -f $patch ]] || die "no mutant $m (tests/mutants/$m.patch)"
	accepted=$(field "$patch" Consequence)
	kernels=$(field "$patch" Kernel)
	[[ -n $accepted && -n $kernels ]] || die "$patch: no Kernel: or Consequence: line"
	cmd=suite.sh suffix='' expect=''
	if [[ -n $hw ]]; then
		accepted='cpu guest' kernels=$kernel cmd='suite.sh -f svm' suffix=-hw
		expect=$(field "$patch" Hardware)
		expect=${expect%%:*}
		[[ $expect == yes || $expect == no ]] ||
			die "$patch: no \"Hardware: yes: ...\" or \"Hardware: no: ...\" line"
	fi
	for k in $kernels; do
		[[ $k != 6.1 ]] || k=$kernel
		out=$build/mutants/$m-$k$suffix
		if [[ -n $rejudge ]]; then
			[[ -f $out/output.log ]] || die "--rejudge: no earlier run of $m on $k in $out"
			# A kernel that panicked leaves no exit code: a failed boot;
			# so does a splat after a suite that passed (boot.sh's verdict).
			rc=1
			[[ ! -f $out/exit_code ]] || rc=$(<"$out/exit_code")
			! grep -qaF -f "$top/tools/splats.txt" "$out/console.log" || rc=1
		else
			use_kernel "$k"
			ko=$(TDPROOT_BUILD_TAG=mut-$m TDPROOT_PATCH=$patch "$here/build-module.sh" "$k" "$kdir")
			info "mutant $m on $k"
			rc=0
			# The emulator's fault (boot.sh exits 75) judges no mutant:
			# boot once more, as make check does.
			boot_twice "$out" boot_mutant || rc=$?
			((rc != 75)) || die "$m on $k: the emulator faulted twice (logs in $out)"
		fi
		if ((rc == 0)) && [[ $expect == no ]]; then
			results+=("$(printf '| %s | %s | - | host only: the svm tests passed |' "$m" "$k")")
			host_only=$((host_only + 1))
			continue
		fi
		if ((rc == 0)); then
			results+=("$(printf '| %s | %s | - | SURVIVED: the suite passed |' "$m" "$k")")
			survived=$((survived + 1))
			continue
		fi
		log=$(tr -d '\r' <"$out/output.log")
		# Else the first test that failed, or the one running when the kernel died.
		by=$(grep -m1 '^    not ok' <<<"$log" | awk '{print $NF}' || true)
		[[ -n $by ]] || by=$(grep '^    #  RUN' <<<"$log" | tail -n1 | awk '{print $3}' || true)
		IFS=$'\t' read -r what test < <(consequence "$out" "$accepted")
		host=''
		if [[ $what == other:* && $expect == no ]]; then
			host=$(consequence "$out" "kasan oops refcount lockup integrity leak latency hang")
			[[ $host != other:* ]] || host=''
		fi
		if [[ -n $host ]]; then
			results+=("$(printf '| %s | %s | %s | host only: %s |' "$m" "$k" "${by:-?}" "${host%%$'\t'*}")")
			host_only=$((host_only + 1))
		elif [[ $what == other:* ]]; then
			results+=("$(printf '| %s | %s | %s | NOT KILLED by a consequence (%s) |' "$m" "$k" "${by:-?}" "$what")")
			survived=$((survived + 1))
		else
			results+=("$(printf '| %s | %s | %s | %s |' "$m" "$k" "${test:-${by:-?}}" "$what")")
			killed=$((killed + 1))
		fi
	done
done

echo
echo "| mutant | kernel | test that showed it | consequence |"
echo "|---|---|---|---|"
printf '%s\n' "${results[@]}"
if [[ -n $hw ]]; then
	echo "mutants (the CPU's view): killed=$killed survived=$survived host_only=$host_only"
else
	echo "mutants: killed=$killed survived=$survived"
fi
((survived == 0))
