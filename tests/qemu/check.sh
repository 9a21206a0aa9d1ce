#!/bin/bash
# Usage: check.sh [KERNEL...]   (default: 6.1 6.12 6.12-rt debug)
# The test suite: the Promela model of the root lifecycle, then for each test
# kernel (kernel.sh names them): build the module against its headers
# (W=1, no warnings allowed), prove the DKMS build, boot it in QEMU and run
# every test inside, cross-check the KTAP output with the kernel's own
# parser, then the README's main job (`make run`). The first kernel also runs
# the README's commands verbatim: bare `make run` (its 30 s default),
# `make run ARGS="--vcpu svm"` (hardware vCPUs),
# `make bench QUICK=1`, `make dkms-install`/`dkms-uninstall` against a
# throwaway DKMS tree, and one `make soak`. Then `make lint`. Prints a summary; exits non-zero on
# any failure. With CI=true nothing can be skipped by the environment.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

(($#)) || set -- 6.1 6.12 6.12-rt debug
if [[ ${CI:-} == true ]]; then
	[[ -z ${TDPROOT_NO_MODEL:-} ]] || die "CI: TDPROOT_NO_MODEL cannot skip the model"
	[[ " $* " == *" debug "* ]] || die "CI: the debug kernel cannot be left out of KERNELS"
fi
version=$(make -s -C "$top" version)
build=$top/.build
mkdir -p "$build"

"$here/extract-src.sh"
"$here/build-tests.sh" "$build/bin"

declare -a summary
failed=0
t0=$SECONDS
if [[ -z ${TDPROOT_NO_MODEL:-} ]]; then
	start=$SECONDS
	if "$top/tests/model/run.sh" >"$build/model.log" 2>&1; then
		summary+=("model: PASS - $(tail -n1 "$build/model.log"), $((SECONDS - start))s")
	else
		tail -n 40 "$build/model.log" >&2
		summary+=("model: FAIL - $(tail -n1 "$build/model.log") (log: $build/model.log)")
		failed=1
	fi
else
	summary+=("model: SKIPPED (TDPROOT_NO_MODEL)")
fi

# step LABEL LOG COMMAND... - run a README command, note its verdict.
step() {
	local label=$1 log=$2
	shift 2
	info "$label (log: $log)"
	if "$@" >"$log" 2>&1; then
		# run.sh boots again after an emulator fault; say so, never hide it.
		if grep -qa 'EMULATOR FAULT in the boot' "$log"; then
			notes+=("$label ok after an EMULATOR FAULT, booted again")
		else
			notes+=("$label ok")
		fi
	else
		notes+=("$label FAILED (log: $log)")
		tail -n 30 "$log" >&2
		verdict=FAIL
	fi
}

for k in "$@"; do
	start=$SECONDS
	verdict=PASS notes=() timeout=1500
	is_debug "$k" && timeout=3600
	use_kernel "$k"

	if ! ko=$("$here/build-module.sh" "$k" "$kdir"); then
		summary+=("$k ($kver): FAIL module build")
		failed=1
		continue
	fi
	if is_debug "$k"; then
		: # a bare build tree, no headers package: DKMS is proven on Debian's
	elif "$here/dkms-build.sh" "$kver" "$kdir" "$version" "$top" >/dev/null; then
		notes+=("dkms ok")
	else
		notes+=("dkms FAILED")
		verdict=FAIL
	fi

	out=$build/out/$k
	info "booting $kver to run the suite (log: $out)"
	boot=ok rc=0
	mapfile -t kmods < <(kvm_kmods)
	# An emulator fault is reported, never a pass, and booted once more.
	boot_twice "$out" "$here/boot.sh" --kernel "$image" --ko "$ko" --bin "$build/bin" \
		"${kmods[@]}" --with trace-cmd --cmd "suite.sh" --out "$out" --timeout "$timeout" \
		${boot_append:+--append "$boot_append"} || rc=$?
	[[ ! -e $out.emulator-fault ]] || notes+=("EMULATOR FAULT in the suite's boot, run again")
	((rc == 0)) || boot=failed
	read -r plan oks notoks skips < <("$here/tap-count.sh" "$out/output.log")
	notes+=("tests $oks/$plan passed, $skips skipped")
	((notoks == 0)) || notes+=("$notoks FAILED: $(grep -a '^    not ok' "$out/output.log" | tr -d '\r' | cut -d' ' -f8- | paste -sd, -)")
	if [[ $boot != ok || $plan -eq 0 || $((oks + skips)) -ne $plan || $notoks -ne 0 ]]; then
		verdict=FAIL
		[[ $boot == ok ]] || notes+=("boot failed ($(boot_evidence "$out"))")
	fi
	if ktap=$("$here/ktap-check.sh" "$out/output.log" 2>&1); then
		notes+=("KTAP cross-check ok")
	else
		notes+=("KTAP cross-check FAILED: $ktap")
		verdict=FAIL
	fi
	# trace-cmd decoded every event the way the kernel prints it; only on
	# PREEMPT_RT may the zap never yield (the lock holder is preempted instead).
	# (Its subtests are the only ones named after events, tdproot_*.)
	tc=$(tr -d '\r' <"$out/output.log" | grep -cE '^    ok [0-9]+ tdproot_[a-z_]+$' || true)
	tcskip=$(tr -d '\r' <"$out/output.log" | grep -oE '^    ok [0-9]+ tdproot_[a-z_]+ # SKIP' |
		awk '{print $3}' | paste -sd, - || true)
	notes+=("trace-cmd decoded $tc events${tcskip:+ (not fired: $tcskip)}")
	if ! grep -qa '^ok [0-9]* trace_fields.sh' <(tr -d '\r' <"$out/output.log") ||
		{ [[ -n $tcskip && ( $k != 6.12-rt || $tcskip != tdproot_zap_yield ) ]]; }; then
		verdict=FAIL
	fi
	if is_debug "$k"; then
		# The checkers must really have been on, kmemleak's last scan clean,
		# and the fault-injection test must have run, not skipped.
		if checkers_report "$out" 2>"$out/checkers.log"; then
			notes+=("lockdep, KASAN, kmemleak on and clean")
		else
			notes+=("checkers: $(paste -sd';' "$out/checkers.log")")
			verdict=FAIL
		fi
		if grep -qa '^    ok [0-9]* load.failslab_and_fail_page_alloc$' <(tr -d '\r' <"$out/output.log"); then
			notes+=("failslab ran")
		else
			notes+=("failslab test did not run and pass")
			verdict=FAIL
		fi
	fi

	# The README's main job, on every kernel.
	if [[ $k == "$1" ]]; then
		step "make run" "$build/run-bare-$k.log" make -C "$top" --no-print-directory run KERNEL="$k"
	fi
	step "make run --churn" "$build/run-$k.log" \
		make -C "$top" --no-print-directory run KERNEL="$k" ARGS="--duration 5 --churn"
	if [[ $k == "$1" ]]; then
		step "make run --vcpu svm" "$build/run-svm-$k.log" \
			make -C "$top" --no-print-directory run KERNEL="$k" ARGS="--duration 5 --vcpu svm"
	fi
	if [[ $k == "$1" ]] && ! is_debug "$k"; then
		step "make bench QUICK=1" "$build/bench-$k.log" bash -c \
			"make -C '$top' --no-print-directory bench KERNEL='$k' QUICK=1 &&
			grep -q '^metric p6_pinned_vs_seed' '$build/bench-$k/output.log'"
		step "make dkms-install/uninstall" "$build/dkms-install-$k.log" \
			"$here/dkms-selftest.sh" "$kver" "$kdir"
		step "make soak" "$build/soak-$k.log" \
			make -C "$top" --no-print-directory soak KERNEL="$k"
		grep -qa 'emulator_faults=0' "$build/soak-$k.log" ||
			notes+=("soak: $(grep -a '^soak ' "$build/soak-$k.log" || echo 'no result')")
	fi
	[[ $verdict == PASS ]] || failed=1
	summary+=("$k ($kver): $verdict - $(printf '%s, ' "${notes[@]}")$((SECONDS - start))s")
done

start=$SECONDS
if make -C "$top" --no-print-directory lint >"$build/lint.log" 2>&1; then
	summary+=("make lint: PASS - $(tail -n1 "$build/lint.log" | sed 's/^tdproot: //'), $((SECONDS - start))s")
else
	tail -n 40 "$build/lint.log" >&2
	summary+=("make lint: FAIL (log: $build/lint.log)")
	failed=1
fi

echo
echo "tdproot check summary ($((SECONDS - t0))s):"
printf '  %s\n' "${summary[@]}"
exit $failed
