#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every step of the Promela model names the C function it models as
# "C: <file>[:<line>] <function>()". Fail if a named function no longer has a
# definition line (^[a-z].*\bfunction\() in that file; report (without
# failing) references whose line number has drifted.
#
#   tests/model/check-names.sh [--update]
#     --update: write the current line numbers into the model
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
update=0
[[ ${1-} == --update ]] && update=1

fail=0 drift=0 n=0
declare -A seen
for pml in "$here"/*.pml; do
	while read -r ref; do
		n=$((n + 1))
		[[ -n ${seen[$ref]-} ]] && continue
		seen[$ref]=1
		# ref: "src/root.c:61 tdp_put_root" or "src/root.c tdp_put_root"
		loc=${ref% *} fn=${ref#* }
		file=${loc%%:*} line=
		[[ $loc == *:* ]] && line=${loc#*:}
		if [[ ! -f $top/$file ]]; then
			echo "check-names: $(basename "$pml"): $file: no such file (for $fn())"
			fail=1
			continue
		fi
		now=$(grep -nE "^[a-z].*\\b$fn\\(" "$top/$file" | head -1 | cut -d: -f1)
		if [[ -z $now ]]; then
			echo "check-names: $(basename "$pml"): $fn() is no longer defined in $file"
			fail=1
		elif [[ -z $line ]]; then
			((update)) && sed -i "s|C: $file $fn()|C: $file:$now $fn()|g" "$pml"
		elif [[ $line != "$now" ]]; then
			drift=$((drift + 1))
			if ((update)); then
				sed -i "s|C: $file:$line $fn()|C: $file:$now $fn()|g" "$pml"
			else
				echo "check-names: note: $fn() moved from $file:$line to $file:$now"
			fi
		fi
	done < <(grep -oE 'C: src/[a-z_/]+\.[ch](:[0-9]+)? [a-z_0-9]+\(\)' "$pml" |
		 sed -E 's/^C: //; s/\(\)$//')
done

if ((fail)); then
	echo "check-names: FAIL: the model names C functions that do not exist"
	exit 1
fi
echo "check-names: ok: $n references, ${#seen[@]} distinct functions exist" \
     "($drift line numbers drifted$( ((update && drift)) && echo ', updated'))"
