#!/bin/bash
# Usage: kernel.sh [--image] NAME   (NAME: 6.1 | 6.12 | 6.12-rt | debug:PATH)
# Makes sure the kernel image and headers for NAME are installed and prints
# its KVER (or, with --image, the path of its bootable image) on stdout.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

want=kver
[[ ${1:-} == --image ]] && { want=image; shift; }
(($# == 1)) || die "usage: kernel.sh [--image] 6.1|6.12|6.12-rt|debug:PATH"
name=$1

# newest_612 FLAVOUR: newest installed 6.12 image of FLAVOUR, else newest in apt.
newest_612() {
	local re="^linux-image-(6\\.12\\.[0-9]+\\+deb12-$1)-unsigned\$" v
	v=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 'linux-image-6.12.*' 2>/dev/null |
		awk '$1 == "ii" { print $2 }' | sed -En "s/$re/\\1/p" | sort -V | tail -n1)
	[[ -n $v ]] || v=$(apt-cache search --names-only "$re" | cut -d' ' -f1 |
		sed -En "s/$re/\\1/p" | sort -V | tail -n1)
	[[ -n $v ]] || die "no linux-image-6.12.*+deb12-$1-unsigned in apt (apt-get update?)"
	echo "$v"
}

case $name in
6.1)
	need_pkgs linux-image-amd64 linux-headers-amd64
	# The metapackage depends on exactly one linux-image-6.1.0-N-amd64.
	kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 |
		grep -Eo 'linux-image-6\.1\.0-[0-9]+-amd64' | head -n1 | sed 's/^linux-image-//') || true
	if [[ -z $kver ]]; then # fallback: newest installed 6.1 with an image
		for d in $(printf '%s\n' /lib/modules/6.1.0-*-amd64 | sort -V); do
			[[ -e /boot/vmlinuz-${d##*/} ]] && kver=${d##*/}
		done
	fi
	[[ -n $kver ]] || die "cannot resolve the 6.1 kernel version"
	need_pkgs "linux-image-$kver" "linux-headers-$kver"
	image=/boot/vmlinuz-$kver
	;;
6.12 | 6.12-rt)
	flavour=amd64
	[[ $name == *-rt ]] && flavour=rt-amd64
	kver=$(newest_612 "$flavour")
	need_pkgs "linux-image-$kver-unsigned" "linux-headers-$kver"
	image=/boot/vmlinuz-$kver
	;;
debug:*)
	tree=${name#debug:}
	kver=$(cat "$tree/include/config/kernel.release") || die "not a built kernel tree: $tree"
	image=$tree/arch/x86/boot/bzImage
	;;
*) die "unknown kernel name '$name' (want 6.1, 6.12, 6.12-rt or debug:PATH)" ;;
esac

# Debian installs /boot/vmlinuz-* mode 0600: non-root needs a readable copy.
[[ -r $image ]] || die "kernel image missing or unreadable: $image"
if [[ $want == image ]]; then echo "$image"; else echo "$kver"; fi
