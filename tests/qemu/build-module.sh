#!/bin/bash
# Usage: build-module.sh NAME KDIR [make args...]
# Builds tdproot.ko against the kernel build tree KDIR (from kernel.sh)
# in a private copy of the tree, .build/mod-NAME[-$TDPROOT_BUILD_TAG], W=1,
# and fails on any compiler or modpost warning. Prints the module's path.
# TDPROOT_PATCH=FILE applies a mutant's patch to a fresh copy first.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"
(($# >= 2)) || die "usage: build-module.sh NAME KDIR [make args...]"
name=$1 kdir=$2
shift 2
[[ -f $kdir/Makefile ]] || die "no kernel build tree at $kdir"
# Debian 6.12 builds BTF for modules: pahole (dwarves) or a warning.
need_pkgs dwarves
dir=$top/.build/mod-$name${TDPROOT_BUILD_TAG:+-$TDPROOT_BUILD_TAG}
mkdir -p "$dir"
if [[ -n ${TDPROOT_PATCH-} ]]; then
	# A mutant (tests/mutants/*.patch): a fresh copy, then the patch.
	rm -rf "${dir:?}"/{src,include}
	cp -R "$top"/{Kbuild,Makefile,dkms.conf,src,include} "$dir/"
	patch -s -p1 -d "$dir" --forward --batch <"$TDPROOT_PATCH" || die "$TDPROOT_PATCH does not apply"
else
	# Copy only what changed so rebuilds stay incremental.
	cp -Ru "$top"/{Kbuild,Makefile,dkms.conf,src,include} "$dir/"
fi
log=$dir/build.log
if ! nice make -C "$kdir" M="$dir" W=1 "$@" modules >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "module build failed for $name"
fi
if grep -E 'warning:|error:' "$log" >&2; then
	die "module build for $name has warnings"
fi
echo "$dir/tdproot.ko"
