#!/bin/bash
# Usage: debug-kernel.sh [--cached]
# Makes sure the debug test kernel (Debian's linux-source-6.12 + `make
# tinyconfig` + tests/debug.config: lockdep, KASAN, kmemleak, ...) is built and
# prints the path of its build tree on stdout, nothing else. The tree lives in
# $TDPROOT_CACHE/debug-kernel/<key>, key = source package version + short
# sha256 of the options in debug.config, so it is rebuilt only when either
# changes.
# Builds in place with `nice make -j2`: safe to interrupt and rerun; .done
# marks a finished tree. Use the tree with tests/build-module-tree.sh and
# kernel.sh debug:PATH. The build log is $tree/build.log. With --cached it
# never builds: it prints the tree if it is there and fails otherwise.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

cached=0
[[ ${1-} == --cached ]] && cached=1 && shift
(($# == 0)) || die "usage: debug-kernel.sh [--cached]"
srcpkg=linux-source-6.12
tarball=/usr/src/$srcpkg.tar.xz
fragment=$here/debug.config
[[ -f $fragment ]] || die "missing config fragment: $fragment"

[[ -e $tarball ]] || need_pkgs "$srcpkg"
pkgver=$(dpkg-query -W -f='${Version}' "$srcpkg" 2>/dev/null) ||
	die "$tarball exists but $srcpkg is not installed: cannot key the cache"
# Options only: a comment edit does not cost a rebuild.
hash=$(awk '/^# CONFIG_[A-Za-z0-9_]+ is not set$/ || (!/^#/ && NF)' "$fragment" |
	sha256sum | cut -c1-12)
key=$(printf '%s' "$pkgver" | tr -c 'A-Za-z0-9.+-' '_')-$hash
mkdir -p "$TDPROOT_CACHE/debug-kernel"
base=$(cd "$TDPROOT_CACHE/debug-kernel" && pwd)
dir=$base/$key

if [[ -e $dir/.done ]]; then
	echo "$dir"
	exit 0
fi
((!cached)) || exit 1

# No BTF (no DEBUG_INFO_BTF in the fragment), hence no dwarves/pahole.
need_pkgs bc flex bison libelf-dev libssl-dev build-essential cpio xz-utils gzip

# One builder per key: a second caller waits for the first one.
exec 9>"$dir.lock"
if ! flock -n 9; then
	info "debug kernel $key is being built by another process; waiting"
	flock 9
fi
if [[ -e $dir/.done ]]; then
	echo "$dir"
	exit 0
fi

log=$dir.log # until the tree exists, then $dir/build.log
fail() {
	[[ -f $log ]] && tail -n 40 "$log" >&2
	die "$* (log: $log)"
}

# --- extract (atomic: to a temporary directory, then rename) -------------------
if [[ ! -d $dir ]]; then
	info "extracting $tarball ($pkgver) into $dir"
	top=$(tar -tJf "$tarball" | head -n1) || true # head closes the pipe early
	[[ $top == "$srcpkg/" ]] || die "unexpected top dir '$top' in $tarball"
	tmp=$dir.extract
	rm -rf "$tmp"
	mkdir -p "$tmp"
	nice -n 10 tar -xJf "$tarball" -C "$tmp" --strip-components=1 >"$log" 2>&1 ||
		fail "extracting $tarball failed"
	mv -T "$tmp" "$dir"
	rm -f "$log"
fi
log=$dir/build.log
cd "$dir"
kmake() { nice -n 10 make -j2 "$@" >>"$log" 2>&1; }

# --- configure -----------------------------------------------------------------
# check_config: every line of the fragment must hold in .config ("is not set"
# also holds for a symbol that olddefconfig left out entirely).
check_config() {
	local line sym bad=()
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			sym=${BASH_REMATCH[1]}
			grep -qxF "$line" .config ||
				bad+=("$line (got: $(grep -E "^(# )?${sym}[= ]" .config || echo 'absent'))")
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			sym=${BASH_REMATCH[1]}
			grep -q "^$sym=" .config && bad+=("$line (got: $(grep "^$sym=" .config))")
		fi
	done <"$fragment"
	((${#bad[@]} == 0)) && return 0
	info "tests/debug.config options not in the final .config:"
	printf '  %s\n' "${bad[@]}" >&2
	return 1
}

if [[ ! -e .configured ]]; then
	info "configuring: tinyconfig + $fragment"
	cp "$fragment" tdproot-debug.config
	{ kmake tinyconfig &&
		scripts/kconfig/merge_config.sh -m .config tdproot-debug.config >>"$log" 2>&1 &&
		kmake olddefconfig; } || fail "configuring the debug kernel failed"
	check_config || die "config fragment not applied; fix $fragment (log: $log)"
	touch .configured
fi

# --- build ---------------------------------------------------------------------
info "building debug kernel $key (nice make -j2; log: $log)"
start=$SECONDS
printf '=== %s: make all modules_prepare\n' "$(date -Is)" >>"$log"
kmake all modules_prepare || fail "debug kernel build failed"
[[ -s Module.symvers && -f arch/x86/boot/bzImage && -f include/config/kernel.release ]] ||
	fail "build finished without Module.symvers/bzImage/kernel.release"
check_config || die "the build changed .config (log: $log)"
printf '=== %s: done in %ss\n' "$(date -Is)" $((SECONDS - start)) >>"$log"
info "debug kernel built in $((SECONDS - start))s: $dir"
touch .done
echo "$dir"
