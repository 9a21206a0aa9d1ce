#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# text_poke_toggle: no tdproot at all. Toggles the sched_switch tracepoint
# (each toggle patches a call site in __schedule() with text_poke_bp: an
# INT3, an IPI to every CPU, the new bytes, another IPI) for SECONDS (60)
# while two shell loops make every CPU run __schedule() all the time.
# Correct hardware runs this forever; a CPU that executes a patch site's
# INT3 after the patching is done (it still saw the old bytes) oopses with
# "int3", which boot.sh reports as an emulator fault (emulator_fault in
# tests/qemu/lib.sh). It is the control for what the suite's boots call an
# emulator fault: `make soak SCENARIO=text_poke_toggle`. A host that stops
# answering instead (6.1) shows where its vCPUs were in boot.sh's verdict.
T=/sys/kernel/tracing E=/sys/kernel/tracing/events/sched/sched_switch/enable
mount -t tracefs none $T 2>/dev/null
# The kernel's text symbols, so that a host that stops answering can be
# told where its vCPUs were (vcpu_rips in tests/qemu/lib.sh).
grep ' [tT] [^ ]*$' /proc/kallsyms
(while :; do usleep 50; done) &
a=$!
(while :; do usleep 70; done) &
b=$!
end=$(($(date +%s) + ${1:-60}))
i=0
while [ "$(date +%s)" -lt $end ]; do
	echo 1 >$E
	echo 0 >$E
	i=$((i + 1))
done
kill $a $b
echo "# $i toggles of sched_switch"
echo "# scenario done"
