#!/bin/bash
# Usage: run.sh [KERNEL] [tdproot-stress options...]
# KERNEL: 6.1 (default) | 6.12 | 6.12-rt | debug | debug:PATH (kernel.sh).
# The main job: build the module and tdproot-stress, boot the test host, load
# the module, run the stress tool with its progress streamed here, and exit
# with its status (or 1 if the kernel splatted). On the debug kernel the
# checkers' banners must be on the console and kmemleak's final scan, made
# after the last objects aged, must be clean; both are reported at the end.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

kernel=${1:-6.1}
shift || true
duration=30
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	case ${args[i]} in
	-d | --duration) duration=${args[i + 1]:-30} ;;
	--duration=*) duration=${args[i]#*=} ;;
	esac
done
[[ $duration =~ ^[0-9]+$ ]] || duration=30

build=$top/.build
"$here/build-tests.sh" "$build/bin"
use_kernel "$kernel"
ko=$("$here/build-module.sh" "$kernel" "$kdir")

# The guest shell sees the options exactly as given here (none: none).
quoted=''
((${#args[@]} == 0)) || quoted=$(printf ' %q' "${args[@]}")
info "booting $kver: tdproot-stress${quoted}"
out=$build/run-$kernel
rc=0
boot_twice "$out" "$here/boot.sh" --kernel "$image" --ko "$ko" --bin "$build/bin" --stream \
	--out "$out" --timeout $((duration + 600)) ${boot_append:+--append "$boot_append"} \
	--cmd "insmod /tdproot.ko || exit 2
tdproot-stress${quoted}
rc=\$?
rmmod tdproot || rc=1
exit \$rc" || rc=$?
# The tool's own status when it ran; 1 for a splat, timeout or crash.
code=$(cat "$out/exit_code" 2>/dev/null || echo 1)
if is_debug "$kernel"; then
	if ! checkers_report "$out"; then
		rc=1 code=1
	fi
fi
if ((rc && !code)); then
	exit 1
fi
exit "$code"
