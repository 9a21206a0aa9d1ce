#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every tdproot trace event, decoded by trace-cmd from the raw ring buffer
# (as perf and trace-cmd see it), must print exactly what the kernel's own
# TP_printk prints for the same records: a field stored as a pointer, or a
# symbol the format file cannot resolve, shows up as a difference.
# It runs its own workload (a test that reloads the module would end
# instances opened earlier). An event the workload did not fire is a skip
# (on PREEMPT_RT the zap may never be asked to yield). Output: TAP.
T=/sys/kernel/tracing
events=''
for d in "$T"/events/tdproot/tdproot_*; do
	events="$events ${d##*/}"
done

D=/sys/kernel/debug/tdproot

total=$(echo "$events" | wc -w)
echo "TAP version 13"
echo "1..$total"
if ! command -v trace-cmd >/dev/null; then
	n=0
	for e in $events; do
		n=$((n + 1))
		echo "ok $n $e # SKIP no trace-cmd in this test host"
	done
	exit 0
fi

# One instance per event, so a busy event cannot push a rare one out of a
# shared ring; tracefs directly, as trace-cmd start resets other instances.
for e in $events; do
	mkdir -p "$T/instances/$e" &&
		echo 256 >"$T/instances/$e/buffer_size_kb" &&
		echo 1 >"$T/instances/$e/events/tdproot/$e/enable" ||
		echo "# starting the trace instance of $e failed"
done

# A workload that fires every event: a root allocated, an 8 GiB tree zapped
# (long enough to yield) while more vCPUs than CPUs run, roots invalidated
# and freed.
{
	echo "tf mem=8G backing=4M policy=pinned" >$D/create &&
		echo "0 2097152" >$D/tf/populate &&
		echo "pattern=random" >$D/tf/workload &&
		echo 4 >$D/tf/vcpus &&
		echo 1 >$D/tf/zap_all &&
		echo 0 >$D/tf/vcpus
} || echo "# the workload failed"
echo tf >$D/destroy

n=0 fail=0
for e in $events; do
	n=$((n + 1))
	if [ ! -d "$T/instances/$e" ]; then
		echo "# $e: its trace instance was not started"
		echo "not ok $n $e"
		fail=1
		continue
	fi
	# The kernel's rendering first: trace-cmd extract consumes the buffer.
	grep -v '^#' "$T/instances/$e/trace" | sed -n "s/.* $e: *//p" | sort >"/tmp/$e.kernel"
	trace-cmd extract -B "$e" -o "/tmp/$e.dat" >/dev/null 2>&1
	trace-cmd report -i "/tmp/$e.dat" 2>"/tmp/$e.err" | sed -n "s/.* $e: *//p" | sort >"/tmp/$e.user"
	rmdir "$T/instances/$e" 2>/dev/null
	records=$(wc -l <"/tmp/$e.kernel")
	if [ "$records" -eq 0 ]; then
		echo "ok $n $e # SKIP the workload did not fire it"
	elif cmp -s "/tmp/$e.kernel" "/tmp/$e.user"; then
		echo "# $e: $records records, e.g. $(head -n1 "/tmp/$e.user")"
		echo "ok $n $e"
	else
		echo "# $e: kernel and trace-cmd disagree:"
		diff "/tmp/$e.kernel" "/tmp/$e.user" | head -n 6 | sed 's/^/# /'
		sed 's/^/# trace-cmd: /' "/tmp/$e.err" | head -n 3
		echo "not ok $n $e"
		fail=1
	fi
done
exit $fail
