#!/bin/bash
# Usage: kernel.sh NAME   (NAME: 6.1 | 6.12 | 6.12-rt | debug | debug:PATH)
# The one way every target names a test kernel. Makes sure NAME is in the
# cache and prints one line, "KVER<TAB>IMAGE<TAB>KDIR": its release, its
# bootable image and the build tree to compile the module against. Read it
# with: k=$(kernel.sh NAME) && IFS=$'\t' read -r kver image kdir <<<"$k"
#
# Debian kernels are never installed: their packages (linux-image-*-unsigned,
# linux-headers-* and the -common and linux-kbuild-* packages the headers
# depend on) are fetched with `apt-get download` and unpacked with
# `dpkg-deb -x` into $TDPROOT_CACHE/kernels/KVER, one root per kernel, so the
# relative symlinks between the headers packages resolve inside it. Nothing
# is added to /boot, no initramfs or bootloader is touched. The version is
# what the archive serves today, resolved at every call.
#
# "debug" is the lockdep/KASAN/kmemleak kernel built from linux-source-6.12
# (tests/host/debug-kernel.sh): built if it is not cached, never replaced by
# another kernel. "debug:PATH" names an already built tree.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

(($# == 1)) || die "usage: kernel.sh 6.1|6.12|6.12-rt|debug|debug:PATH"
name=$1

# candidate PKG: the version apt would pick for PKG, or nothing.
candidate() {
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '(none)' || true
}

# apt_lists: make sure apt has package lists to resolve versions from.
apt_lists() {
	[[ -n $(candidate linux-image-amd64) ]] && return 0
	((EUID == 0)) || die "apt has no package lists; run: sudo apt-get update"
	info "apt-get update (no package lists yet)"
	apt-get update -q >&2 || die "apt-get update failed"
	[[ -n $(candidate linux-image-amd64) ]] || die "apt knows no linux-image-amd64"
}

# release_of NAME: the kernel release Debian's archive serves today for NAME.
release_of() {
	local flavour re v
	case $1 in
	6.1)
		# The metapackage depends on exactly one linux-image-6.1.0-N-amd64.
		v=$(apt-cache show --no-all-versions linux-image-amd64 | sed -n 's/^Depends: //p' |
			grep -Eo 'linux-image-6\.1\.0-[0-9]+-amd64' | head -n1) || true
		echo "${v#linux-image-}"
		;;
	6.12 | 6.12-rt)
		flavour=amd64
		[[ $1 == *-rt ]] && flavour=rt-amd64
		re="^linux-image-(6\\.12\\.[0-9]+\\+deb12-$flavour)-unsigned\$"
		apt-cache search --names-only "$re" | cut -d' ' -f1 | sed -En "s/$re/\\1/p" |
			sort -V | tail -n1
		;;
	esac
}

# fetch KVER: unpack KVER's image and headers into the cache (once).
fetch() {
	local kver=$1 dir=$TDPROOT_CACHE/kernels/$1 tmp deps pkgs tools=() d
	[[ -e $dir/.done ]] && return 0
	mkdir -p "$TDPROOT_CACHE/kernels"
	exec 8>"$dir.lock"
	flock 8
	if [[ -e $dir/.done ]]; then
		exec 8>&-
		return 0
	fi
	need_pkgs dpkg-dev
	pkgs=("linux-image-$kver-unsigned" "linux-headers-$kver")
	# The headers' own dependencies: the -common tree and kbuild are unpacked
	# beside them; anything else (the compiler) is a tool to install.
	deps=$(apt-cache show --no-all-versions "linux-headers-$kver" | sed -n 's/^Depends: //p' |
		tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/^ +//; s/ +$//')
	for d in $deps; do
		case $d in
		linux-headers-* | linux-kbuild-*) pkgs+=("$d") ;;
		linux-image-* | linux-base) ;;
		*) tools+=("$d") ;;
		esac
	done
	((${#tools[@]} == 0)) || need_pkgs "${tools[@]}"
	info "fetching $kver into $dir: ${pkgs[*]}"
	tmp=$(mktemp -d "$dir.fetch.XXXXXX")
	(cd "$tmp" && apt-get download -q "${pkgs[@]}" >download.log 2>&1) ||
		{ cat "$tmp/download.log" >&2; rm -rf "$tmp"; die "apt-get download failed for $kver"; }
	mkdir -p "$tmp/root"
	for d in "$tmp"/*.deb; do
		dpkg-deb -x "$d" "$tmp/root" || { rm -rf "$tmp"; die "dpkg-deb -x $d failed"; }
	done
	# The arch headers include the common tree's Makefile by absolute path.
	sed -i "s|/usr/src/|$dir/usr/src/|g" "$tmp/root/usr/src/linux-headers-$kver/Makefile"
	rm -rf "$dir"
	mv -T "$tmp/root" "$dir"
	rm -rf "$tmp"
	touch "$dir/.done"
	exec 8>&-
}

case $name in
6.1 | 6.12 | 6.12-rt)
	apt_lists
	kver=$(release_of "$name")
	[[ -n $kver ]] || die "cannot resolve the $name kernel in apt (apt-get update?)"
	fetch "$kver"
	dir=$TDPROOT_CACHE/kernels/$kver
	image=$dir/boot/vmlinuz-$kver
	kdir=$dir/usr/src/linux-headers-$kver
	;;
debug | debug:*)
	if [[ $name == debug ]]; then
		tree=$("$here/debug-kernel.sh") || die "the debug kernel could not be built"
	else
		tree=${name#debug:}
		tree=${tree%/}
	fi
	kver=$(cat "$tree/include/config/kernel.release" 2>/dev/null) ||
		die "not a built kernel tree: $tree"
	image=$tree/arch/x86/boot/bzImage
	kdir=$tree
	;;
*) die "unknown kernel name '$name' (want 6.1, 6.12, 6.12-rt, debug or debug:PATH)" ;;
esac

[[ -r $image ]] || die "kernel image missing or unreadable: $image"
[[ -f $kdir/Makefile ]] || die "no build tree for $kver at $kdir"
printf '%s\t%s\t%s\n' "$kver" "$image" "$kdir"
