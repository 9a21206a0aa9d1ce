#!/bin/bash
# Usage: extract-src.sh
# Extracts the kselftest harness, checkpatch, the
# KTAP parser (kunit.py), the semantic patches (scripts/coccinelle) and KVM's
# x86 sources (arch/x86/kvm, whose function names lint.sh keeps apart from
# tdproot's) from linux-source-6.12, into $TDPROOT_CACHE. Silent unless
# something fails.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# extract VER DEST MEMBER... - pull MEMBERs (paths below the tree's top
# directory) out of /usr/src/linux-source-VER.tar.xz into DEST, flattened.
extract() {
	local ver=$1 dest=$2 tarball=/usr/src/linux-source-$1.tar.xz m top tmp incomplete=0
	shift 2
	for m in "$@"; do [[ -e $dest/${m##*/} ]] || incomplete=1; done
	((incomplete)) || return 0
	[[ -e $tarball ]] || need_pkgs "linux-source-$ver"
	top=$(tar -tJf "$tarball" | head -n1) || true # head closes the pipe early
	[[ $top == "linux-source-$ver/" ]] || die "unexpected top dir '$top' in $tarball"
	mkdir -p "$TDPROOT_CACHE"
	tmp=$(mktemp -d "$TDPROOT_CACHE/.extract.XXXXXX")
	# shellcheck disable=SC2064 # expand $tmp now
	trap "rm -rf '$tmp'" EXIT
	tar -xJf "$tarball" -C "$tmp" --strip-components=1 "${@/#/$top}"
	mkdir -p "$tmp/out"
	for m in "$@"; do mv "$tmp/$m" "$tmp/out/"; done
	rm -rf "$dest" # only reached when incomplete
	mkdir -p "$(dirname "$dest")"
	mv -T "$tmp/out" "$dest"
	rm -rf "$tmp"
	trap - EXIT
}

extract 6.12 "$TDPROOT_CACHE/selftests" \
	tools/testing/selftests/kselftest_harness.h tools/testing/selftests/kselftest.h
extract 6.12 "$TDPROOT_CACHE/checkpatch" \
	scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
# The kernel's KTAP parser and its semantic patches.
# kunit.py finds its own files by its path below tools/testing/kunit.
extract 6.12 "$TDPROOT_CACHE/kunit/tools/testing" tools/testing/kunit
extract 6.12 "$TDPROOT_CACHE/coccinelle" scripts/coccinelle
# KVM's x86 MMU and the rest of arch/x86/kvm: lint.sh fails on a function
# of src/ that has the name of one of these.
extract 6.12 "$TDPROOT_CACHE/kvm" arch/x86/kvm
