#!/bin/bash
# Usage: check.sh [KERNEL...]   (default: 6.1 6.12 6.12-rt; also debug:TREE)
# The test suite: for each test kernel, build the module against its headers
# (W=1, no warnings allowed), prove the DKMS build, boot it in QEMU and run
# every test inside. Prints a per-kernel summary; exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
# shellcheck source=host/lib.sh
. "$here/host/lib.sh"

(($#)) || set -- 6.1 6.12 6.12-rt
version=$(make -s -C "$top" version)
build=$top/.build

"$here/host/extract-src.sh"
"$here/build-tests.sh" "$build/bin"

declare -a summary
failed=0
for k in "$@"; do
	start=$SECONDS
	kver=$("$here/host/kernel.sh" "$k")
	image=$("$here/host/kernel.sh" --image "$k")
	verdict=PASS notes=()

	if ! ko=$("$here/build-module.sh" "$kver"); then
		summary+=("$k ($kver): FAIL module build")
		failed=1
		continue
	fi
	if "$here/host/dkms-build.sh" "$kver" "$version" "$top" >/dev/null; then
		notes+=("dkms ok")
	else
		notes+=("dkms FAILED")
		verdict=FAIL
	fi

	out=$build/out/$k
	info "booting $kver to run the suite (log: $out)"
	boot=ok
	"$here/host/boot.sh" --kernel "$image" --ko "$ko" --bin "$build/bin" \
		--cmd "suite.sh" --out "$out" --timeout 1500 || boot=failed
	read -r plan oks notoks < <("$here/tap-count.sh" "$out/output.log")
	notes+=("tests $oks/$plan passed")
	((notoks == 0)) || notes+=("$notoks FAILED: $(grep -a '^not ok' "$out/output.log" | tr -d '\r' | cut -d' ' -f4- | paste -sd, -)")
	if [[ $boot != ok || $plan -eq 0 || $oks -ne $plan || $notoks -ne 0 ]]; then
		verdict=FAIL
		[[ $boot == ok ]] || notes+=("boot failed")
	fi
	# The README's main job, short: make run's path end to end.
	if "$here/run.sh" "$k" --duration 5 --churn >"$build/run-$k.log" 2>&1; then
		notes+=("make run ok")
	else
		notes+=("make run FAILED (log: $build/run-$k.log)")
		tail -n 30 "$build/run-$k.log" >&2
		verdict=FAIL
	fi
	# The benchmark's quick smoke, on the first kernel only, so it cannot rot.
	if [[ $k == "$1" ]]; then
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
