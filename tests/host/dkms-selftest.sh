#!/bin/bash
# Usage: dkms-selftest.sh KVER KDIR
# Runs the README's `make dkms-install` and `make dkms-uninstall` for KVER
# (build tree KDIR) against a throwaway DKMS tree and checks their effect:
# the module installed where DKMS puts it, then nothing left behind.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
(($# == 2)) || die "usage: dkms-selftest.sh KVER KDIR"
kver=$1 kdir=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
export TDPROOT_DKMS_ROOT=$root TDPROOT_DKMS_KERNEL=$kver:$kdir
version=$(make -s -C "$top" version)

make -C "$top" --no-print-directory dkms-install
ko=$(find "$root/lib/modules/$kver" -name 'tdproot.ko*' -print -quit)
[[ -n $ko ]] || die "dkms-install left no tdproot.ko under $root/lib/modules/$kver"
modinfo -F version "$ko" | grep -qxF "$version" || die "$ko is not version $version"
echo "installed: ${ko#"$root"}"
make -C "$top" --no-print-directory dkms-uninstall
left=$(find "$root" -name 'tdproot*' | head -n3)
[[ -z $left ]] || die "dkms-uninstall left: $left"
echo "uninstalled: nothing left"
