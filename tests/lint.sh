#!/bin/bash
# Usage: lint.sh [KERNEL]   (default 6.12; see qemu/kernel.sh)
# Every check a maintainer would run before taking a patch, each of which
# must really run: checkpatch.pl --strict on every C source and header,
# sparse (C=2) and a W=1 build against KERNEL's headers, the kernel's own semantic patches (every
# scripts/coccinelle/**/*.cocci of linux-source-6.12 that has a report mode,
# run by spatch over src/ and include/), and shellcheck on every shell
# script. Any finding fails, and so does a tool that did not run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
# shellcheck source=qemu/lib.sh
. "$here/qemu/lib.sh"

# ocaml-nox: the semantic patches with OCaml script rules compile them.
need_pkgs sparse perl coccinelle ocaml-nox shellcheck
"$here/qemu/extract-src.sh"
kernel=${1:-6.12}
use_kernel "$kernel"
build=$top/.build
mkdir -p "$build"
fail=0 ran=()
flag() { fail=1; info "lint: $*"; }

# --- README statistics keys ----------------------------------------------------
info "README lists every statistics key NAME/stats prints, and no other"
# The list include/tdproot/stats_list.h, the derived gauges of
# tdpr_stats_show() and the per-VM lines of tdpr_stats_file_show() in
# src/debugfs.c.
code_keys=$(cd "$top" && {
	sed -nE 's/^TDPR_STAT\(([a-z_]+)\)$/\1/p' include/tdproot/stats_list.h
	grep -ohE '"([a-z_]+ %(ll?)?[du]\\n)+' src/stats.c src/debugfs.c |
		sed 's/\\n/ /g' | grep -oE '[a-z_]+ %' | sed 's/ %//'
} | grep -vx vms | sort -u)	# vms: the module-wide stats file only
# shellcheck disable=SC2016 # the backquotes are README's, not the shell's
readme_keys=$(cd "$top" && sed -n '/^Statistics (`NAME\/stats`): `/,/`\./p' README.md |
	sed -E 's/^Statistics \(`NAME\/stats`\): `//; s/`\..*//' | tr ' ' '\n' | grep -v '^$' | sort -u)
if [[ -z $code_keys || $code_keys != "$readme_keys" ]]; then
	diff <(echo "$code_keys") <(echo "$readme_keys") || true
	flag "README.md statistics keys differ from the code (< code, > README)"
fi
ran+=("README statistics keys")

# --- layering ------------------------------------------------------------------
info "layering: no file includes the header of, or calls, a higher layer"
# Every file of src/ and its layer, bottom to top (README.md, "How it works").
# A file may use its own layer and those below; the headers of include/tdproot
# are the API and belong to no layer. A new file must be added here.
declare -A layer=(
	[pr_fmt]=0 [stats]=0 [fail]=0 [race]=0 [lock]=0 [trace]=0 [tdproot_trace]=0 [svm]=0
	[spte]=1
	[walk]=2
	[mmu_internal]=3 [pt]=3 [backing]=3 [bench]=3
	[zap]=4
	[root]=5
	[fault]=6 [translate]=6 [populate]=6 [invalidate]=6
	[requests]=7
	[vm]=8
	[vcpu]=9 [vcpu_svm]=9
	[debugfs_parse]=10
	[guests]=11
	[debugfs]=12
	[main]=13
)
layering_check() {	# layering_check DIR: the src/ tree to judge
	local dir=$1 f b h fn def bad=0
	local -A defined_in=()
	for f in "$dir"/*.[ch]; do
		b=$(basename "${f%.*}")
		[[ -n ${layer[$b]-} ]] || { echo "$f: not in lint.sh's layer table"; bad=1; }
	done
	# Private headers: "X.h" is X.c's, or (mmu_internal.h, pr_fmt.h) its own entry.
	for f in "$dir"/*.[ch]; do
		b=$(basename "${f%.*}")
		while read -r h; do
			h=${h%.h}
			if [[ -n ${layer[$h]-} && -n ${layer[$b]-} ]] && ((layer[$h] > layer[$b])); then
				echo "$f: includes $h.h, a higher layer (${layer[$h]} > ${layer[$b]})"
				bad=1
			fi
		done < <(sed -nE 's/^#include "([a-z_]+\.h)".*/\1/p' "$f")
	done
	# Calls: a function defined (not static) in a .c file, used by a .c
	# file of a lower layer.
	while read -r b fn; do
		defined_in[$fn]=$b
	done < <(grep -HE '^[a-z][^;(=]*[ *][A-Za-z_][A-Za-z0-9_]*\(' "$dir"/*.c |
		 grep -vE '^[^:]*:static |;\s*$' |
		 sed -E 's|^.*/([a-z_]+)\.c:[^(]*[ *]([A-Za-z_][A-Za-z0-9_]*)\(.*|\1 \2|')
	for f in "$dir"/*.c; do
		b=$(basename "${f%.c}")
		[[ -n ${layer[$b]-} ]] || continue
		while read -r fn; do
			def=${defined_in[$fn]-}
			[[ -n $def && -n ${layer[$def]-} ]] || continue
			if ((layer[$def] > layer[$b])); then
				echo "$f: calls $fn() of $def.c, a higher layer (${layer[$def]} > ${layer[$b]})"
				bad=1
			fi
		done < <(grep -oE '\b[A-Za-z_][A-Za-z0-9_]*\(' "$f" | tr -d '(' | sort -u)
	done
	return "$bad"
}
layering_check "$top/src" || flag "a file of src/ reaches up the layering"
# Canary: a copy of src/ in which pt.c includes zap.h and calls tdpr_vm_zap_all().
rm -rf "$build/layering-canary"
cp -R "$top/src" "$build/layering-canary"
sed -i 's|^#include "pt.h"$|#include "pt.h"\n#include "zap.h"|' "$build/layering-canary/pt.c"
printf 'void tdpr_canary(struct tdpr_vm *vm)\n{\n\ttdpr_vm_zap_all(vm);\n}\n' >>"$build/layering-canary/pt.c"
canary=$(layering_check "$build/layering-canary" || true)
[[ $canary == *"includes zap.h"* && $canary == *"calls tdpr_vm_zap_all()"* ]] ||
	flag "the layering check did not catch its canary: ${canary:-no output}"
ran+=("layering (${#layer[@]} files)")

# --- mutants ----------------------------------------------------------------------
info "mutants: every tests/mutants/*.patch applies to src/; no mutant switch in the code"
nmut=0
for p in "$top"/tests/mutants/*.patch; do
	nmut=$((nmut + 1))
	git -C "$top" apply --check "$p" || flag "$(basename "$p") no longer applies to src/"
	for f in Kernel Consequence; do
		grep -q "^$f: " "$p" || flag "$(basename "$p") has no $f: line"
	done
	! grep -q '^Hardware: ' "$p" || grep -qE '^Hardware: (yes|no): ' "$p" ||
		flag "$(basename "$p"): a Hardware: line says \"yes: ...\" or \"no: ...\""
done
((nmut)) || flag "no mutant in tests/mutants/"
! grep -rn TDPROOT_MUTANT "$top"/src "$top"/include "$top"/Kbuild || flag "a TDPROOT_MUTANT switch is back"
ran+=("mutants apply ($nmut patches)")

# --- names apart from KVM's -------------------------------------------------------
info "no function of src/ has the name of one of arch/x86/kvm (linux-source-6.12)"
# Definitions: a line at column 0 that names a function and does not end in ';'.
fn_defs() {
	grep -rhE --include='*.[ch]' '^[a-z][^;(=]*[ *][A-Za-z_][A-Za-z0-9_]*\(' "$@" |
		grep -vE ';\s*$' | sed -E 's/^[^(]*[ *]([A-Za-z_][A-Za-z0-9_]*)\(.*/\1/' | sort -u
}
kvm_fns=$(fn_defs "$TDPROOT_CACHE/kvm/kvm")
(($(wc -l <<<"$kvm_fns") > 1000)) || flag "only $(wc -l <<<"$kvm_fns") functions found in arch/x86/kvm"
clash=$(comm -12 <(fn_defs "$top/src" "$top/include") <(echo "$kvm_fns"))
if [[ -n $clash ]]; then
	echo "$clash"
	flag "functions of src/ named like KVM's (above)"
fi
# Canary: tdp_iter_next() is KVM's.
canary=$(comm -12 <(printf 'void tdp_iter_next(int x)\n{\n}\n' | fn_defs -) <(echo "$kvm_fns"))
[[ $canary == tdp_iter_next ]] || flag "the KVM name check did not catch its canary"
ran+=("names apart from KVM's ($(wc -l <<<"$kvm_fns") functions)")

# --- checkpatch ------------------------------------------------------------------
info "checkpatch --strict"
mapfile -t files < <(cd "$top" && git ls-files --cached --others --exclude-standard '*.c' '*.h')
((${#files[@]})) || die "no C files found"
# The tracepoint header follows the TRACE_EVENT macro layout, not C's.
trace_ok='OPEN_ENDED_LINE|MACRO_ARG|SPACING|OPEN_BRACE|COMPLEX_MACRO|PARENTHESIS_ALIGNMENT|LINE_SPACING'
rc=0
(cd "$top" && perl "$TDPROOT_CACHE/checkpatch/checkpatch.pl" --strict --no-tree \
	--terse --show-types --ignore FILE_PATH_CHANGES \
	-f "${files[@]}") >"$build/checkpatch.log" 2>&1 || rc=$?
# Exit 1 means findings, 0 none; anything else means it did not run. A
# canary with a known finding proves it starts and reports.
printf 'int f(void)\n{\n\treturn 0 ;\n}\n' >"$build/canary.c"
canary=$(perl "$TDPROOT_CACHE/checkpatch/checkpatch.pl" --strict --no-tree --terse \
	--show-types -f "$build/canary.c" 2>&1 || true)
if ((rc > 1)) || [[ $canary != *SPACING* ]]; then
	tail -n 20 "$build/checkpatch.log" >&2
	flag "checkpatch did not run (exit $rc; canary: ${canary:-no output})"
fi
findings=$(grep -vE '^total: [0-9]+ errors' "$build/checkpatch.log" |
	grep -Ev "^src/tdproot_trace.h:[0-9]+: [A-Z]+:($trace_ok)" || true)
if [[ -n $findings ]]; then
	echo "$findings"
	flag "checkpatch findings"
fi
ran+=("checkpatch --strict (${#files[@]} files)")

# --- sparse and W=1 ----------------------------------------------------------------
info "sparse (C=2) and W=1 against $kver"
# One flavour: test switches are module parameters, never build options.
# build-module.sh fails on "warning:" and on sparse's "error:".
if ! TDPROOT_BUILD_TAG=lint "$here/qemu/build-module.sh" "$kernel" "$kdir" C=2 \
	CHECK="sparse -Wno-unknown-attribute" >/dev/null; then
	flag "sparse/W=1 reported"
fi
# A build that compiled nothing checked nothing.
log=$top/.build/mod-$kernel-lint/build.log
grep -q '  CHECK ' "$log" || flag "sparse did not run ($log)"
# kbuild prints CHECK whatever the checker does: a canary proves sparse reports.
printf 'int f(void)\n{\n\tint *p = 0;\n\n\treturn !p;\n}\n' >"$build/canary-sparse.c"
canary=$(sparse "$build/canary-sparse.c" 2>&1 || true)
[[ $canary == *"plain integer as NULL pointer"* ]] ||
	flag "sparse did not run (canary: ${canary:-no output})"
ran+=("sparse C=2 and W=1 ($kver)")

# --- coccinelle ------------------------------------------------------------------
info "coccinelle: the kernel's scripts/coccinelle in report mode"
mapfile -t cocci < <(grep -rlE '^virtual +report' "$TDPROOT_CACHE/coccinelle/coccinelle" --include='*.cocci' | sort)
((${#cocci[@]} > 50)) || flag "only ${#cocci[@]} semantic patches found"
spatch_one() {
	local f=$1 opts
	opts=$(sed -n 's|^// *Options: *||p' "$f")
	# shellcheck disable=SC2086 # the patch's own options, split as coccicheck does
	(cd "$top" && timeout 300 spatch -D report --no-show-diff --very-quiet \
		-I include -I src $opts --dir src --dir include --sp-file "$f") \
		>"$build/cocci/$(basename "$f").log" 2>&1 || echo "spatch failed: $f"
}
export -f spatch_one
export top build
rm -rf "$build/cocci"
mkdir -p "$build/cocci"
# shellcheck disable=SC2016 # $1 is the inner shell's
errors=$(printf '%s\0' "${cocci[@]}" | xargs -0 -P2 -I{} bash -c 'spatch_one "$1"' _ {})
[[ -z $errors ]] || flag "$errors"
# spatch's remarks on a semantic patch itself are not findings in src/.
reports=$(cat "$build/cocci"/*.log | grep -vE '^warning: line [0-9]+: should .* be a metavariable\?$' || true)
if [[ -n $reports ]]; then
	echo "$reports"
	flag "coccinelle findings"
fi
printf 'int f(int x)\n{\n\tif (x) {\n\t\tx++;\n\t};\n\treturn x;\n}\n' >"$build/canary-cocci.c"
canary=$(spatch -D report --no-show-diff --very-quiet \
	--sp-file "$TDPROOT_CACHE/coccinelle/coccinelle/misc/semicolon.cocci" \
	"$build/canary-cocci.c" 2>&1 || true)
[[ $canary == *"Unneeded semicolon"* ]] || flag "spatch did not run (canary: ${canary:-no output})"
ran+=("coccinelle (${#cocci[@]} semantic patches)")

# --- shellcheck ------------------------------------------------------------------
info "shellcheck"
mapfile -t scripts < <(cd "$top" && { git ls-files --cached --others --exclude-standard '*.sh'; echo .ci/run; } | sort -u)
if ! (cd "$top" && shellcheck -x -P SCRIPTDIR "${scripts[@]}"); then
	flag "shellcheck findings"
fi
# shellcheck disable=SC2016 # the canary's $1 stays unexpanded
printf '#!/bin/sh\necho $1\n' >"$build/canary.sh"
canary=$(shellcheck "$build/canary.sh" 2>&1 || true)
[[ $canary == *SC2086* ]] || flag "shellcheck did not run (canary: ${canary:-no output})"
ran+=("shellcheck (${#scripts[@]} scripts)")

# --- the harness's emulator-fault verdict --------------------------------------------
info "emulator_fault: a stale text-poke INT3 is the emulator's; a real INT3 or a WARN first is not"
# Consoles in tests/qemu/fixtures: stale-int3 is a 6.12 test host's; the
# others are it with the INT3 still in the text, with a WARN before it, and
# with an RCU stall report before it (any splat of tools/splats.txt comes first).
fx=$top/tests/qemu/fixtures
for f in stale-int3:0 real-int3:1 warn-then-int3:1 stall-then-int3:1; do
	rc=0
	stale_int3 "$fx/${f%:*}.console" 2>/dev/null || rc=$?
	((rc == ${f#*:})) || flag "stale_int3 on fixtures/${f%:*}.console returned $rc, wants ${f#*:}"
done
ran+=("emulator-fault verdict (4 consoles)")

if ((fail)); then
	info "lint FAILED"
	exit 1
fi
info "lint clean: $(printf '%s, ' "${ran[@]}" | sed 's/, $//')"
