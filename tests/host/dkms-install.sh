#!/bin/bash
# Usage: dkms-install.sh install|uninstall VERSION
# install: copy the sources to /usr/src/tdproot-VERSION, then dkms add, build
# and install for every installed kernel that has headers.
# uninstall: remove every installed build and the sources.
#
# With TDPROOT_DKMS_ROOT=DIR and TDPROOT_DKMS_KERNEL=KVER:KDIR it does the
# same in a throwaway tree instead of the system (DIR/usr/src,
# DIR/var/lib/dkms, DIR/lib/modules) for that one kernel: how `make check`
# proves these two targets without touching the machine.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

(($# == 2)) || die "usage: dkms-install.sh install|uninstall VERSION"
action=$1 version=$2
root=${TDPROOT_DKMS_ROOT:-}
dkms=(dkms)
kernels=() # KVER:KDIR
if [[ -n $root ]]; then
	[[ ${TDPROOT_DKMS_KERNEL:-} == *:/* ]] || die "TDPROOT_DKMS_ROOT wants TDPROOT_DKMS_KERNEL=KVER:KDIR"
	mkdir -p "$root"/{usr/src,var/lib/dkms,lib/modules}
	dkms+=(--sourcetree "$root/usr/src" --dkmstree "$root/var/lib/dkms"
		--installtree "$root/lib/modules" --no-depmod)
	kernels=("$TDPROOT_DKMS_KERNEL")
	mkdir -p "$root/lib/modules/${TDPROOT_DKMS_KERNEL%%:*}"
else
	((EUID == 0)) || die "run as root: sudo make dkms-$action"
	for build in /lib/modules/*/build; do
		[[ -f $build/Makefile ]] || continue
		kernels+=("$(basename "$(dirname "$build")"):$build")
	done
fi
need_pkgs dkms
# dkms signs what it builds and, lacking a key, makes one in /var/lib/dkms;
# in a throwaway tree a nonexistent sign_file makes it skip signing.
[[ -z $root ]] || export sign_file=/nonexistent/sign-file

case $action in
install)
	src=$root/usr/src/tdproot-$version
	rm -rf "$src"
	mkdir -p "$src"
	cp -R "$top"/{dkms.conf,Kbuild,Makefile,src,include,LICENSE} "$src/"
	"${dkms[@]}" status -m tdproot -v "$version" | grep -q . ||
		"${dkms[@]}" add -m tdproot -v "$version"
	((${#kernels[@]})) ||
		die "no kernel with headers under /lib/modules/*/build (apt-get install linux-headers-\$(uname -r))"
	for k in "${kernels[@]}"; do
		"${dkms[@]}" install -m tdproot -v "$version" -k "${k%%:*}" \
			--kernelsourcedir "${k#*:}" --force
	done
	info "tdproot $version installed for ${#kernels[@]} kernel(s)${root:+ in $root}; load it with: sudo modprobe tdproot"
	;;
uninstall)
	"${dkms[@]}" remove -m tdproot -v "$version" --all || true
	rm -rf "$root/usr/src/tdproot-$version"
	info "tdproot $version removed${root:+ from $root}"
	;;
*) die "unknown action $action" ;;
esac
