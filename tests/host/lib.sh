#!/bin/bash
# Shared helpers for the tdproot test-host scripts. Source, don't execute.
# shellcheck shell=bash

TDPROOT_CACHE=${TDPROOT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/tdproot}
export TDPROOT_CACHE

info() { printf 'tdproot: %s\n' "$*" >&2; }
die() { printf 'tdproot: %s\n' "$*" >&2; exit 1; }

# need_pkgs PKG... - install missing Debian packages (root), or tell the user how.
need_pkgs() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	((${#missing[@]})) || return 0
	if ((EUID != 0)); then
		info "missing packages; run: sudo apt-get install -y --no-install-recommends ${missing[*]}"
		exit 1
	fi
	info "installing: ${missing[*]}"
	local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends)
	# Try without refreshing the index first; update only if that fails.
	"${apt[@]}" "${missing[@]}" >&2 ||
		{ apt-get update -q >&2 && "${apt[@]}" "${missing[@]}" >&2; } ||
		die "failed to install: ${missing[*]}"
}
