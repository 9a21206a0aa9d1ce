#!/bin/bash
# Usage: dkms-build.sh KVER KDIR VERSION SRCDIR
# Proves the module builds through DKMS for KVER (build tree KDIR, the cached
# headers from kernel.sh), in a throwaway DKMS tree: nothing is written to
# /var/lib/dkms, /usr/src or /lib/modules.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 4)) || die "usage: dkms-build.sh KVER KDIR VERSION SRCDIR"
kver=$1 kdir=$2 version=$3 srcdir=$4
[[ -f $srcdir/dkms.conf ]] || die "no dkms.conf in $srcdir"
need_pkgs dkms
[[ -f $kdir/Makefile ]] || die "no kernel build tree at $kdir"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pkg=$tmp/src/tdproot-$version
mkdir -p "$pkg" "$tmp/tree"
for f in dkms.conf Kbuild Makefile src include; do
	[[ ! -e $srcdir/$f ]] || cp -R "$srcdir/$f" "$pkg/"
done

# dkms signs built modules and, lacking a key, generates one in
# /var/lib/dkms/mok.key; a nonexistent sign_file (read from the environment,
# like framework.conf variables) makes it skip signing altogether.
export sign_file=/nonexistent/sign-file
args=(-m tdproot -v "$version" -k "$kver" --kernelsourcedir "$kdir"
	--dkmstree "$tmp/tree" --sourcetree "$tmp/src" --installtree "$tmp/install")
# "add" only symlinks the source into the private tree; "build" needs it.
if ! { dkms add "${args[@]}" && dkms build "${args[@]}"; } >"$tmp/dkms.log" 2>&1; then
	cat "$tmp/dkms.log" >&2
	log=$tmp/tree/tdproot/$version/build/make.log
	[[ ! -f $log ]] || { echo "--- make.log (tail):"; tail -n 40 "$log"; } >&2
	die "dkms build failed for $kver"
fi
ko=$(find "$tmp/tree/tdproot/$version/$kver" -name 'tdproot.ko*' -print -quit)
[[ -n $ko ]] || { cat "$tmp/dkms.log" >&2; die "dkms build produced no tdproot.ko for $kver"; }
echo "ok dkms build $kver"
