#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# inert_zap_all: populate_zap_all with tdproot's work replaced by something
# inert, the control for it: the same module load, VM, tracing setup, trace
# markers, loops and rmmod, but each populate copies 2 GiB from /dev/zero and
# each zap_all writes a stats read to /dev/null instead. A stall here is
# not tdproot's. A watchdog
# asks every CPU for a backtrace (sysrq l) on the first RCU stall report, so
# a CPU that stopped answering shows as the one whose backtrace is missing.
D=/sys/kernel/debug/tdproot T=/sys/kernel/tracing
(
	while sleep 1; do
		if dmesg | grep -q 'rcu: INFO'; then
			echo l >/proc/sysrq-trigger
			echo "# watchdog: RCU stall reported, sysrq l sent"
			break
		fi
	done
) &
wd=$!
insmod /tdproot.ko || exit 2
echo "s mem=16G backing=64M policy=seed" >$D/create || exit 1
echo 1 >$T/events/tdproot/tdproot_root_invalidate/enable
echo 1 >$T/events/tdproot/tdproot_root_zap_end/enable
echo 16384 >$T/buffer_size_kb
echo >$T/trace
(
	i=0
	while [ $i -lt 6 ]; do
		t0=$(date +%s)
		if dd if=/dev/zero of=/dev/null bs=1M count=2048 2>/dev/null; then st=ok; else st=failed; fi
		echo "# populate $i: $st in $(($(date +%s) - t0)) s"
		i=$((i + 1))
	done
) &
p=$!
z=0
while kill -0 $p 2>/dev/null; do
	echo B >$T/trace_marker
	cat $D/s/stats >/dev/null
	echo E >$T/trace_marker
	z=$((z + 1))
	# shellcheck disable=SC3028 # busybox ash has RANDOM
	usleep $(((RANDOM % 20) * 1000))
done
wait $p
echo "# $z rounds"
cat $T/trace >/dev/null
echo s >$D/destroy
rmmod tdproot || exit 1
kill $wd 2>/dev/null
echo "# scenario done"
