#!/bin/bash
# Usage: build-module.sh KVER|/KTREE [make args...]
# Builds tdproot.ko against KVER's headers (or, for an argument starting with
# '/', against that kernel build tree, e.g. the debug kernel's) in a private
# copy of the tree (.build/mod-KVER, .build/mod-debug for a tree), W=1, and
# fails on any compiler or modpost warning. Prints the path of the module.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
# shellcheck source=host/lib.sh
. "$here/host/lib.sh"
(($# >= 1)) || die "usage: build-module.sh KVER|/KTREE [make args...]"
kver=$1
shift
if [[ $kver == /* ]]; then
	kdir=$kver name=debug
	[[ -f $kdir/Makefile && -s $kdir/Module.symvers ]] || die "not a built kernel tree: $kdir"
else
	kdir=/lib/modules/$kver/build name=$kver
	[[ -f $kdir/Makefile ]] || die "no headers for $kver at $kdir"
fi
dir=$top/.build/mod-$name${TDPROOT_BUILD_TAG:+-$TDPROOT_BUILD_TAG}
mkdir -p "$dir"
# Copy only what changed so rebuilds stay incremental.
cp -Ru "$top"/{Kbuild,Makefile,dkms.conf,src,include} "$dir/"
log=$dir/build.log
if ! make -C "$kdir" M="$dir" W=1 "$@" modules >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "module build failed for $kver"
fi
if grep -E 'warning:|error:' "$log" >&2; then
	die "module build for $kver has warnings"
fi
echo "$dir/tdproot.ko"
