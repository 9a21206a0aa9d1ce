#!/bin/bash
# Usage: check.sh [KERNEL...]   (default: 6.1 6.12 6.12-rt debug)
# The test suite: the Promela model of the root lifecycle, then for each test
# kernel: build the module against its headers (W=1, no warnings allowed),
# prove the DKMS build, boot it in QEMU and run every test inside, then a
# short `make run`. "debug" is the lockdep/KASAN/kmemleak kernel built from
# Debian's linux-source-6.12 (cached; see tests/host/debug-kernel.sh).
# Prints a summary; exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
# shellcheck source=host/lib.sh
. "$here/host/lib.sh"

(($#)) || set -- 6.1 6.12 6.12-rt debug
version=$(make -s -C "$top" version)
build=$top/.build

"$here/host/extract-src.sh"
"$here/build-tests.sh" "$build/bin"

declare -a summary
failed=0
if [[ -x $here/model/run.sh && -z ${TDPROOT_NO_MODEL:-} ]]; then
	start=$SECONDS
	if "$here/model/run.sh" >"$build/model.log" 2>&1; then
		summary+=("model: PASS - $(tail -n1 "$build/model.log"), $((SECONDS - start))s")
	else
		tail -n 40 "$build/model.log" >&2
		summary+=("model: FAIL - $(tail -n1 "$build/model.log") (log: $build/model.log)")
		failed=1
	fi
fi

for k in "$@"; do
	start=$SECONDS
	verdict=PASS notes=() timeout=1500 append=()
	if [[ $k == debug ]]; then
		info "debug kernel: building or reusing the cached tree"
		tree=$("$here/host/debug-kernel.sh")
		kver=$("$here/host/kernel.sh" "debug:$tree")
		image=$("$here/host/kernel.sh" --image "debug:$tree")
		kdir=$tree timeout=3600
		# The checkers announce themselves at pr_info: let it reach the console.
		append=(--append loglevel=7)
	else
		kver=$("$here/host/kernel.sh" "$k")
		image=$("$here/host/kernel.sh" --image "$k")
		kdir=$kver
	fi

	if ! ko=$("$here/build-module.sh" "$kdir"); then
		summary+=("$k ($kver): FAIL module build")
		failed=1
		continue
	fi
	if [[ $k == debug ]]; then
		: # no headers package: DKMS is proven on the Debian kernels
	elif "$here/host/dkms-build.sh" "$kver" "$version" "$top" >/dev/null; then
		notes+=("dkms ok")
	else
		notes+=("dkms FAILED")
		verdict=FAIL
	fi

	out=$build/out/$k
	info "booting $kver to run the suite (log: $out)"
	boot=ok
	"$here/host/boot.sh" --kernel "$image" --ko "$ko" --bin "$build/bin" \
		--cmd "suite.sh" --out "$out" --timeout "$timeout" "${append[@]}" || boot=failed
	read -r plan oks notoks < <("$here/tap-count.sh" "$out/output.log")
	notes+=("tests $oks/$plan passed")
	((notoks == 0)) || notes+=("$notoks FAILED: $(grep -a '^not ok' "$out/output.log" | tr -d '\r' | cut -d' ' -f4- | paste -sd, -)")
	if [[ $boot != ok || $plan -eq 0 || $oks -ne $plan || $notoks -ne 0 ]]; then
		verdict=FAIL
		[[ $boot == ok ]] || notes+=("boot failed")
	fi
	if [[ $k == debug ]]; then
		# The checkers must really have been on, and kmemleak's scan clean.
		for banner in 'Lock dependency validator' 'KernelAddressSanitizer initialized' \
			'Kernel memory leak detector initialized'; do
			if ! grep -q "$banner" "$out/console.log"; then
				notes+=("no '$banner' on the console")
				verdict=FAIL
			fi
		done
		[[ $verdict == FAIL ]] || notes+=("lockdep, KASAN, kmemleak on and clean")
	# The README's main job, short: make run's path end to end.
	elif "$here/run.sh" "$k" --duration 5 --churn >"$build/run-$k.log" 2>&1; then
		notes+=("make run ok")
	else
		notes+=("make run FAILED (log: $build/run-$k.log)")
		tail -n 30 "$build/run-$k.log" >&2
		verdict=FAIL
	fi
	# The benchmark's quick smoke, on the first kernel only, so it cannot rot.
	if [[ $k == "$1" && $k != debug ]]; then
		if "$here/bench.sh" "$k" --quick >"$build/bench-$k.log" 2>&1 &&
			grep -q '^metric p6_pinned_vs_seed' "$build/bench-$k.log"; then
			notes+=("bench smoke ok")
		else
			notes+=("bench smoke FAILED (log: $build/bench-$k.log)")
			tail -n 30 "$build/bench-$k.log" >&2
			verdict=FAIL
		fi
	fi
	[[ $verdict == PASS ]] || failed=1
	summary+=("$k ($kver): $verdict - $(printf '%s, ' "${notes[@]}")$((SECONDS - start))s")
done

echo
echo "tdproot check summary:"
printf '  %s\n' "${summary[@]}"
exit $failed
