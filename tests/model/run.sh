#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Model-check the root lifecycle (tests/model/tdproot.pml) with spin: the real
# model under both policies (safety, non-progress cycles, LTL), then every
# mutant, which must give a counterexample. Prints the bounds and the state
# counts of every run, a summary table, and a last line
#   model: proved=P/P mutants_killed=K/K
# Exit status 1 if a property fails on the real model or a mutant survives.
#
#   tests/model/run.sh [-j JOBS] [-o DIR] [--deep]
#     -j JOBS  parallel pan runs (default: nproc)
#     -o DIR   results, pan output and trimmed trails (default: a new
#              .build/model/run-<time>-<pid>, or under $TDPROOT_MODEL_OUT;
#              .build/model/latest points to the last one)
#     --deep   two-chunk zaps (two yield points) in every configuration
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=../qemu/lib.sh
. "$top/tests/qemu/lib.sh"

jobs=$(nproc 2>/dev/null || echo 2)
base=${TDPROOT_MODEL_OUT:-$top/.build/model}
out=
deep=0
while (($#)); do
	case $1 in
	-j) jobs=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	--deep) deep=1; shift ;;
	*) die "usage: $0 [-j JOBS] [-o DIR] [--deep]" ;;
	esac
done

need_pkgs spin gcc
"$here/check-names.sh" || die "model: check-names failed"

pml=$here/tdproot.pml
if [[ -z $out ]]; then
	# A directory of its own: two runs at once must not mix their results.
	out=$base/run-$(date +%Y%m%d-%H%M%S)-$$
	mkdir -p "$out" && ln -sfn "$(basename "$out")" "$base/latest"
fi
mkdir -p "$out" || die "model: cannot create $out"
start=$SECONDS

# ---- configurations: the bounds -------------------------------------------
# Common: 5 root slots (never reused; running out is an assertion), one
# vCPU main-loop iteration, one address-space flip by vCPU 0, range-zap
# leaves in one chunk with a yield before it.
common="-DNR=5 -DITERS=1 -DFLIPS=1 -DFLIPPERS=1 -DLEAF_STEPS=1"
z1=1
((deep)) && z1=2
declare -A cfg desc
cfg[A]="$common -DNV=2 -DZAPALLS=1 -DZAP_RANGE=1 -DPOPULATE=0"
desc[A]="2 vCPUs + zap_all + zap_range (4 actors)"
cfg[B]="$common -DNV=1 -DZAPALLS=2 -DZAP_RANGE=0 -DPOPULATE=1"
desc[B]="1 vCPU + populate (1 fault) + zap_all x2 (3 actors)"
cfg[C]="$common -DNV=2 -DZAPALLS=1 -DZAP_RANGE=0 -DPOPULATE=0"
desc[C]="2 vCPUs + zap_all (3 actors)"
cfg[D]="$common -DNV=1 -DZAPALLS=1 -DZAP_RANGE=1 -DPOPULATE=0"
desc[D]="1 vCPU + zap_all + zap_range (3 actors)"
cfg[I]="-DINVAL -DMIGRATES=2 -DZAPS=1 -DACCESSES=2"
desc[I]="invalidation protocol: 1 vCPU (faults) + populate fault + migrate x2 + zap_range (4 actors)"
# shellcheck disable=SC2034 # read through ${!pf}
pol_seed="" pol_pinned="-DPOLICY_PINNED"

# Whole-root zap chunks: 2 (the two passes, two yield points) unless the
# state space is too big for the time budget; then 1 (one yield point).
zsteps() { # policy config
	case $1/$2 in
	seed/A | seed/C | pinned/C) echo "$z1" ;;
	*) echo 2 ;;
	esac
}

# ---- one pan run --------------------------------------------------------------
# run_pan DIR MODE OPT FLAGS...: MODE is safety, np (non-progress cycles) or
# ltl; OPT the C compiler's -O level for pan (a mutant's run is short, so it
# is not worth optimising). Writes DIR/result:
#   verdict|property|states|depth|seconds|search
run_pan() {
	local dir=$1 mode=$2 opt=$3
	shift 3
	local flags=("$@") cc=("$opt" -w -DVECTORSZ=2048 -DCOLLAPSE -DMEMLIM=6144)
	local run=(-m200000) search=exhaustive
	mkdir -p "$dir"
	(
		cd "$dir" || exit 1
		case $mode in
		safety) cc+=(-DSAFETY) ;;
		np) cc+=(-DNP); run+=(-l -f) ;;
		# No fairness: a task that loops while the one it waits for
		# never runs (PREEMPT_RT priorities) is a counterexample too.
		npu) cc+=(-DNP); run+=(-l) ;;
		ltl) flags+=(-DLTL); run+=(-a -f -N zap_all_returns) ;;
		esac
		echo "cpp ${flags[*]} tdproot.pml >model.pml; spin -a model.pml; cc ${cc[*]}; pan ${run[*]}" >cmd
		# Preprocess here, comments kept: spin's line numbers then match
		# model.pml, which the trimmed trail quotes with its C: references.
		if ! { gcc -E -P -C -x c "${flags[@]}" "$pml" >model.pml 2>spin.log &&
			spin -a model.pml >>spin.log 2>&1 &&
			gcc "${cc[@]}" -o pan pan.c >>spin.log 2>&1; }; then
			echo "error|spin/gcc failed, see $dir/spin.log|0|0|0|-" >result
			exit
		fi
		# shellcheck disable=SC2030 # timing this run only
		SECONDS=0
		./pan "${run[@]}" >pan.out 2>&1
		if grep -q 'out of memory\|pan: reached -DMEMLIM' pan.out; then
			# Too big to store every state: fall back to a bitstate search.
			search=bitstate
			gcc "${cc[@]/-DCOLLAPSE/-DBITSTATE}" -o pan pan.c >>spin.log 2>&1
			./pan "${run[@]}" -w30 >pan.out 2>&1
		fi
		local t=$SECONDS verdict=pass prop=-
		local states depth
		states=$(sed -nE 's/^ *([0-9e.+]+) states, stored.*/\1/p' pan.out | head -1)
		depth=$(sed -nE 's/.*depth reached ([0-9]+).*/\1/p' pan.out | head -1)
		if grep -q 'max search depth too small' pan.out; then
			search="$search, depth-bounded"
		fi
		if ! grep -q 'errors: 0' pan.out; then
			verdict=fail
			prop=$(sed -nE 's/^pan:1: assertion violated .*\|\|([A-Za-z_0-9]+)\) \(at depth.*/\1/p' pan.out | head -1)
			[[ -z $prop ]] && grep -q 'pan:1: invalid end state' pan.out && prop="deadlock (invalid end state)"
			[[ -z $prop ]] && grep -q 'pan:1: non-progress cycle' pan.out && prop="livelock (non-progress cycle)"
			[[ -z $prop ]] && grep -q 'pan:1: acceptance cycle' pan.out && prop="ltl zap_all_returns"
			[[ -z $prop ]] && prop="$(grep -m1 '^pan:1:' pan.out)"
			local trail=model.pml.trail
			if [[ -f $trail ]]; then
				spin -t -p -k "$trail" model.pml >trail.raw 2>&1
				awk -v pml=model.pml -f "$here/trim-trail.awk" trail.raw >trail.txt
			fi
		fi
		echo "$verdict|$prop|${states:-?}|${depth:-?}|$t|$search" >result
	)
}

# ---- jobs ---------------------------------------------------------------------
# A job line: id|kind|policy|configs|mode|extra flags|expected
#   kind real: must pass; mutant: some config must fail; info: reported only.
joblist=()
for pol in seed pinned; do
	joblist+=("real-safety-A-$pol|real|$pol|A|safety||")
	joblist+=("real-safety-B-$pol|real|$pol|B|safety||")
	joblist+=("real-np-C-$pol|real|$pol|C|np||")
	joblist+=("real-npu-B-$pol|real|$pol|B|npu||")
	joblist+=("real-npu-C-$pol|real|$pol|C|npu||")
	joblist+=("real-ltl-D-$pol|real|$pol|D|ltl||")
done
# The invalidation protocol does not depend on the policy.
joblist+=("real-safety-I|real|seed|I|safety||")
# The properties whose violation kills a mutant, separated by ';'. A
# counterexample of any other property is reported (KILLED?) and does not
# count: the model would then be finding something else than the bug.
declare -A expect=(
	[rezap_invalid]="zapped_exactly_once"
	[dec_not_one]="refcount_set_not_from_zero;use_after_free;refcount_underflow;ref_holder_sees_zero_count;free_with_live_reference"
	[reader_gets_invalid]="reader_got_invalid_root;use_after_free"
	[put_before_zap]="ref_holder_sees_zero_count;refcount_underflow;use_after_free"
	[free_without_rcu]="rcu_reader_sees_freed_root;use_after_free"
	[missed_invalidate]="stale_valid_root_after_zap_all;flagged_root_unzapped_at_return;stale_root_in_use_after_zap_all"
	[yield_same_gfn]="livelock (non-progress cycle)"
	[load_spins]="livelock (non-progress cycle)"
	[zap_all_no_wait]="zap_all_left_root_mapped"
	[range_wait_own_free]="zap_range_left_frees_pending"
	[iter_no_ref]="use_after_free;rcu_reader_sees_freed_root;refcount_underflow;ref_holder_sees_zero_count;zap_without_own_reference"
	[fault_into_invalid]="spte_in_invalid_root"
	[invalidate_no_ref]="refcount_underflow;ref_holder_sees_zero_count;use_after_free;free_with_live_reference;zap_without_own_reference"
	[zap_all_skips_invalid]="deadlock (invalid end state);flagged_root_unzapped_at_return"
	[fault_ignores_seq]="leaf_from_replaced_page"
	[migrate_no_flush_wait]="access_to_retired_page"
)
# expected MUTANT PROPERTY: whether PROPERTY is one that kills MUTANT.
expected() { [[ ";${expect[$1]};" == *";$2;"* ]]; }
mutants=(rezap_invalid dec_not_one reader_gets_invalid put_before_zap
	 free_without_rcu missed_invalidate yield_same_gfn load_spins
	 zap_all_no_wait range_wait_own_free iter_no_ref fault_into_invalid
	 invalidate_no_ref zap_all_skips_invalid fault_ignores_seq migrate_no_flush_wait)
# The C put_before_zap sits in the seed-only branch of tdpr_put_root().
# The old loader spun on a seed root whose last put was under way; zap_all
# skipped only roots a seed last put was zapping; zap_range's frees are
# about seed last puts too.
declare -A policies=([put_before_zap]="seed" [load_spins]="seed" [zap_all_no_wait]="seed"
	[range_wait_own_free]="seed" [invalidate_no_ref]="seed" [fault_ignores_seq]="seed"
	[migrate_no_flush_wait]="seed")
for m in "${mutants[@]}"; do
	for pol in ${policies[$m]:-seed pinned}; do
		if [[ $m == yield_same_gfn ]]; then
			joblist+=("mut-$m-$pol|mutant|$pol|C|np|-DMUTANT_$m|")
		elif [[ $m == load_spins ]]; then
			joblist+=("mut-$m-$pol|mutant|$pol|C B|npu|-DMUTANT_$m|")
		elif [[ $m == fault_ignores_seq || $m == migrate_no_flush_wait ]]; then
			joblist+=("mut-$m-$pol|mutant|$pol|I|safety|-DMUTANT_$m|")
		else
			joblist+=("mut-$m-$pol|mutant|$pol|A B|safety|-DMUTANT_$m|")
		fi
	done
done
# What a mutant breaks once its first property is switched off.
joblist+=("info-put_before_zap-next-seed|info|seed|A|safety|-DMUTANT_put_before_zap -DMUTE=ref_holder_sees_zero_count|")
joblist+=("info-dec_not_one-next-seed|info|seed|A|safety|-DMUTANT_dec_not_one -DMUTE=refcount_set_not_from_zero|")

# A job runs its configurations in order; a mutant stops at the first kill
# by a property it is expected to break.
run_job() {
	local id kind pol configs mode extra c pf m
	IFS='|' read -r id kind pol configs mode extra _ <<<"$1"
	pf=pol_$pol opt=-O1
	[[ $kind == mutant ]] && opt=-O0
	m=${extra#-DMUTANT_}
	m=${m%% *}
	for c in $configs; do
		# shellcheck disable=SC2086
		run_pan "$out/$id/$c" "$mode" $opt ${!pf} ${cfg[$c]} -DZAP_STEPS="$(zsteps "$pol" "$c")" $extra
		[[ $(cut -d'|' -f1 "$out/$id/$c/result") == fail ]] || continue
		[[ $kind != mutant ]] && break
		expected "$m" "$(cut -d'|' -f2 "$out/$id/$c/result")" && break
	done
}

# Longest first, then as many at a time as there are cores.
info "model: $((${#joblist[@]})) jobs, $jobs at a time, results in $out"
running=0
for j in "${joblist[@]}"; do
	run_job "$j" &
	running=$((running + 1))
	if ((running >= jobs)); then
		wait -n
		running=$((running - 1))
	fi
done
wait

# ---- report -------------------------------------------------------------------
echo
echo "Configurations (policy seed/pinned each):"
for c in A B C D; do
	echo "  $c: ${desc[$c]}; whole-root zap in $(zsteps seed "$c")/$(zsteps pinned "$c") chunk(s) (seed/pinned)"
done
echo "  I: ${desc[I]}; ${cfg[I]}" 
echo "  all: $common"
echo
fmt='%-36s %-6s %-3s %-6s %-9s %-34s %10s %6s %5s\n'
# shellcheck disable=SC2059
printf "$fmt" run policy cfg mode result "property violated" states depth secs
proved=0 nreal=0 killed=0
declare -A mkill
status=0
for j in "${joblist[@]}"; do
	IFS='|' read -r id kind pol configs mode extra _ <<<"$j"
	for c in $configs; do
		r=$out/$id/$c/result
		[[ -f $r ]] || continue
		IFS='|' read -r verdict prop states depth secs search <"$r"
		m=${extra#-DMUTANT_}
		m=${m%% *}
		case $kind in
		real)
			nreal=$((nreal + 1))
			if [[ $verdict == pass && $search == exhaustive ]]; then
				proved=$((proved + 1)); res=PROVED
			elif [[ $verdict == pass ]]; then
				# Bitstate or depth-bounded: no counterexample, no proof.
				res=UNPROVED; status=1
			else
				res=FAILED; status=1
			fi ;;
		mutant)
			if [[ $verdict == fail ]] && expected "$m" "$prop"; then
				res=KILLED
				mkill[$m]=1
			elif [[ $verdict == fail ]]; then
				res="KILLED?"
			else
				res=survived
			fi ;;
		info)
			[[ $verdict == fail ]] && res=violated || res=holds ;;
		esac
		[[ $verdict == error ]] && { res=ERROR; status=1; }
		[[ $search != exhaustive ]] && res="$res*"
		# shellcheck disable=SC2059
		printf "$fmt" "$id" "$pol" "$c" "$mode" "$res" "$prop" "$states" "$depth" "$secs"
	done
done
for m in "${mutants[@]}"; do
	[[ -n ${mkill[$m]-} ]] && killed=$((killed + 1))
done
echo
echo "Legend: PROVED = no counterexample in an exhaustive search of that configuration;"
echo "KILLED = counterexample of a property the mutant is expected to break (KILLED? ="
echo "of another property: does not count); * = not exhaustive (bitstate or"
echo "depth-bounded: never PROVED, UNPROVED fails the run); info runs do not count."
echo "Trimmed counterexamples: $out/<run>/<cfg>/trail.txt (raw: trail.raw, pan.out)."
for m in "${mutants[@]}"; do
	[[ -n ${mkill[$m]-} ]] || { echo "model: mutant $m SURVIVED"; status=1; }
done
for j in "${joblist[@]}"; do
	IFS='|' read -r id kind _ configs _ <<<"$j"
	[[ $kind == mutant ]] || continue
	for c in $configs; do
		[[ -f $out/$id/$c/trail.txt ]] && echo "  $id: $out/$id/$c/trail.txt"
	done
done
# shellcheck disable=SC2031 # the script's own SECONDS
echo "model: total $((SECONDS - start)) s on $jobs parallel jobs"
echo "model: proved=$proved/$nreal mutants_killed=$killed/${#mutants[@]}"
((proved == nreal)) || status=1
exit $status
