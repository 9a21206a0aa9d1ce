#!/bin/sh
# The test suite as it runs inside a booted test host: load the module, run
# every test program and unload. Output is KTAP: each program's own TAP
# stream (the kselftest harness) becomes a subtest, indented four spaces, so
# the kernel's parser (tools/testing/kunit/kunit.py parse) reads the whole
# run. Exit status: 0 if all passed.
# trace_fields.sh: trace-cmd decodes every event as the kernel prints it.
# suite.sh ARGS...: only tdproot_test, with the harness's ARGS (e.g. -f svm).
progs="tdproot_test trace_fields.sh reliability_test"
[ $# -eq 0 ] || progs=tdproot_test
echo "KTAP version 1"
echo "# kernel $(uname -r), $(nproc) CPUs"
echo "1..$(echo "$progs" | wc -w)"
if ! insmod /tdproot.ko; then
	echo "Bail out! insmod failed"
	exit 1
fi
fail=0 n=0
for t in $progs; do
	n=$((n + 1))
	{ "/bin/$t" "$@" 2>&1; echo $? >/tmp/rc; } | sed 's/^/    /'
	if [ "$(cat /tmp/rc)" = 0 ]; then
		echo "ok $n $t"
	else
		echo "not ok $n $t"
		fail=1
	fi
done
rmmod tdproot || { echo "# rmmod failed"; fail=1; }
exit $fail
