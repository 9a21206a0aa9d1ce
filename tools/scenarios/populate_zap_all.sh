#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# populate_zap_all: a seed VM with no vCPUs, six back-to-back populates of
# 16 GiB of 4K leaves, zap_all in a loop beside them with a trace marker on
# each side, two tdproot events into 16 MiB per-CPU buffers; then destroy
# and rmmod (whose tracepoint removal IPIs every CPU). Runs in a test host
# (tests/qemu/soak.sh boots it); bounded by its six populates. A watchdog
# asks every CPU for a backtrace (sysrq l) on the first RCU stall report, so
# a CPU that stopped answering shows as the one whose backtrace is missing.
# With --inert (inert_zap_all.sh) tdproot's work is replaced by something
# inert: each populate copies 2 GiB from /dev/zero and each zap_all reads the
# stats instead; everything else (module, VM, tracing, loops, rmmod) stays.
inert=0
[ "$1" = --inert ] && inert=1
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
		if [ $inert = 1 ]; then
			dd if=/dev/zero of=/dev/null bs=1M count=2048 2>/dev/null
		else
			echo "0 4194304" >$D/s/populate
		fi && st=ok || st=failed
		echo "# populate $i: $st in $(($(date +%s) - t0)) s"
		i=$((i + 1))
	done
) &
p=$!
z=0
while kill -0 $p 2>/dev/null; do
	echo B >$T/trace_marker
	if [ $inert = 1 ]; then cat $D/s/stats >/dev/null; else echo 1 >$D/s/zap_all; fi
	echo E >$T/trace_marker
	z=$((z + 1))
	# shellcheck disable=SC3028 # busybox ash has RANDOM
	usleep $(((RANDOM % 20) * 1000))
done
wait $p
echo "# $z rounds of the zap_all loop"
cat $T/trace >/dev/null
echo s >$D/destroy
rmmod tdproot || exit 1
kill $wd 2>/dev/null
echo "# scenario done"
