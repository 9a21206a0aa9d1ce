#!/bin/sh
# The test suite as it runs inside a booted test host: load the module, run
# every test program (each prints TAP), unload. Exit status: 0 if all passed.
fail=0
echo "# kernel $(uname -r), $(nproc) CPUs"
insmod /tdproot.ko || { echo "Bail out! insmod failed"; exit 1; }
for t in /bin/tdproot_test /bin/reliability_test; do
	"$t" || fail=1
done
rmmod tdproot || { echo "# rmmod failed"; fail=1; }
exit $fail
