#!/bin/bash
# Usage: dkms-install.sh install|uninstall VERSION
# install: copy the sources to /usr/src/tdproot-VERSION, then dkms add, build
# and install for every installed kernel that has headers.
# uninstall: remove every installed build and the sources.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

(($# == 2)) || die "usage: dkms-install.sh install|uninstall VERSION"
action=$1 version=$2
((EUID == 0)) || die "run as root: sudo make dkms-$action"
need_pkgs dkms

case $action in
install)
	src=/usr/src/tdproot-$version
	rm -rf "$src"
	mkdir -p "$src"
	cp -R "$top"/{dkms.conf,Kbuild,Makefile,src,include,LICENSE} "$src/"
	dkms status -m tdproot -v "$version" | grep -q . || dkms add -m tdproot -v "$version"
	built=0
	for build in /lib/modules/*/build; do
		[[ -f $build/Makefile ]] || continue
		kver=$(basename "$(dirname "$build")")
		dkms install -m tdproot -v "$version" -k "$kver" --force
		built=$((built + 1))
	done
	((built)) || die "no kernel with headers under /lib/modules/*/build (apt-get install linux-headers-\$(uname -r))"
	info "tdproot $version installed for $built kernel(s); load it with: sudo modprobe tdproot"
	;;
uninstall)
	dkms remove -m tdproot -v "$version" --all || true
	rm -rf "/usr/src/tdproot-$version"
	info "tdproot $version removed"
	;;
*) die "unknown action $action" ;;
esac
