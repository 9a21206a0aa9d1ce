#!/bin/bash
# Usage: boot.sh --kernel IMAGE [--ko PATH/tdproot.ko] [--bin DIR] --cmd "shell command"
#                --out DIR [--timeout SEC] [--stream] [--mem 2G] [--append "cmdline"]
#                [--with PROG]... [--kmod KO]...
# Boots IMAGE in QEMU (TCG, 2 CPUs) with a busybox initramfs holding the module
# at /tdproot.ko and DIR's files in /bin, runs --cmd as root, powers off, and
# judges the run (exit 0 pass, 1 failure, 75 a failure that looks like the
# emulator's, see emulator_fault in lib.sh). Logs land in --out: console.log (ttyS0: kernel log),
# output.log (ttyS1: the command's stdout+stderr), qemu.log, exit_code, and
# after a timeout vcpus.log (the emulator's view of each vCPU, 20 s before).
# TDPROOT_ACCEL replaces "-accel tcg" (e.g. tcg,thread=single: one host
# thread for every vCPU, the control for emulator faults; README).
# Harness messages go to stderr; with --stream the command output goes to stdout.
# --with PROG puts a dynamically linked program of this machine (trace-cmd;
# installed from the Debian package of the same name if missing) in /bin,
# with the shared libraries ldd lists at their own paths. --kmod KO (.ko or
# .ko.xz) puts another module of the test kernel in /kmod for tests to load.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { die "usage: boot.sh --kernel IMAGE [--ko KO] [--bin DIR] --cmd CMD --out DIR [--timeout SEC] [--stream] [--mem SIZE] [--append ARGS] [--with PROG]... [--kmod KO]..."; }

kernel='' ko='' bin='' cmd='' out='' timeout=600 stream=0 mem=2G append='' with=() kmods=()
while (($#)); do
	case $1 in
	--stream) stream=1; shift; continue ;;
	--with)
		(($# >= 2)) || usage
		with+=("$2") ;;
	--kmod)
		(($# >= 2)) || usage
		kmods+=("$2") ;;
	--kernel | --ko | --bin | --cmd | --out | --timeout | --mem | --append)
		(($# >= 2)) || usage
		declare "${1#--}=$2" ;; # --mem 4G sets $mem
	*) usage ;;
	esac
	shift 2
done
[[ -n $kernel && -n $cmd && -n $out ]] || usage
[[ -r $kernel ]] || die "kernel image missing or unreadable: $kernel"
[[ -z $ko || -f $ko ]] || die "no such module: $ko"
[[ -z $bin || -d $bin ]] || die "no such directory: $bin"
[[ $timeout =~ ^[0-9]+$ ]] || die "--timeout wants seconds"
need_pkgs qemu-system-x86 busybox-static cpio
((${#with[@]} == 0)) || need_pkgs "${with[@]}"

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/{console.log,output.log,qemu.log,exit_code,initramfs.cpio.gz,vcpus.log}

# --- initramfs ----------------------------------------------------------------
root=$(mktemp -d "$out/.root.XXXXXX")
pid='' look='' sock=$(mktemp -u /tmp/tdproot-monitor.XXXXXX)
# shellcheck disable=SC2317 # called via trap
cleanup() {
	rm -rf "$root" "$sock"
	[[ -z $pid ]] || kill "$pid" 2>/dev/null || true # interrupted while streaming
	[[ -z $look ]] || kill "$look" 2>/dev/null || true
}
trap cleanup EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp /bin/busybox "$root/bin/busybox"
[[ -z $ko ]] || cp "$ko" "$root/tdproot.ko"
# Other modules of the test kernel, for tests to load: /kmod/NAME.ko.
for m in "${kmods[@]}"; do
	mkdir -p "$root/kmod"
	case $m in
	*.ko.xz) xz -dc "$m" >"$root/kmod/$(basename "$m" .xz)" ;;
	*.ko) cp "$m" "$root/kmod/" ;;
	*) die "--kmod $m: not a .ko or .ko.xz" ;;
	esac
done
[[ -z $bin ]] || cp -RL "$bin/." "$root/bin/"
for prog in "${with[@]}"; do
	path=$(command -v "$prog") || die "--with $prog: not installed"
	cp -L "$path" "$root/bin/"
	for lib in $(ldd "$path" | grep -oE '/[^ ]+\.so[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
printf '%s\n' "$cmd" >"$root/cmd.sh"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin HOME=/tmp
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t tmpfs tmp /tmp
# Where the kernel's text landed (KASLR), for vcpu_rips in lib.sh.
echo "tdproot-boot: _text at $(grep -m1 ' _text$' /proc/kallsyms | cut -d' ' -f1)" >/dev/kmsg
# Raw mode: no \n -> \r\n translation in output.log.
stty -F /dev/ttyS1 115200 raw -echo
cd / && sh /cmd.sh >/dev/ttyS1 2>&1
echo "TDPROOT-EXIT $?" >/dev/ttyS1
if [ -e /sys/kernel/debug/kmemleak ]; then
	# kmemleak reports an object only once it is 5 s old: let the last
	# test's objects (and rmmod's) age past that before the final scans.
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
	echo "TDPROOT-KMEMLEAK-SCANNED" >/dev/ttyS1
fi
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$out/initramfs.cpio.gz"

# --- boot ---------------------------------------------------------------------
# --foreground keeps QEMU in our process group so Ctrl-C reaches it.
qemu=(timeout --foreground -k 10 "$timeout" qemu-system-x86_64 -accel "${TDPROOT_ACCEL:-tcg}" -cpu max -smp 2 -m "$mem"
	-nodefaults -nographic -no-reboot -monitor "unix:$sock,server=on,wait=off"
	-serial "file:$out/console.log" -serial "file:$out/output.log"
	-kernel "$kernel" -initrd "$out/initramfs.cpio.gz"
	-append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 softlockup_panic=1 sysctl.kernel.hung_task_panic=1 loglevel=6 $append")
: >"$out/output.log"
# A last look before the timeout kills a host that stopped answering: what
# the emulator says each vCPU runs, twice, 5 s apart (vcpu_rips in lib.sh).
if ((timeout > 60)); then
	(
		sleep $((timeout - 20))
		monitor_ask "$sock" 'info registers -a' >"$out/vcpus.log" 2>&1 &&
			sleep 5 && monitor_ask "$sock" 'info registers -a' >>"$out/vcpus.log" 2>&1
	) </dev/null >/dev/null 2>&1 &
	# (Its sleep outlives the kill below: it must not hold our stdout, or
	# "make run | tee" waits for the timeout after the run ended.)
	look=$!
fi
start=$SECONDS rc=0
if ((stream)); then
	"${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 &
	pid=$!
	tail -n +1 -f --pid="$pid" "$out/output.log" || true
	wait "$pid" || rc=$?
	pid=''
else
	"${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 || rc=$?
fi
secs=$((SECONDS - start))
[[ -z $look ]] || { kill "$look" 2>/dev/null || true; }
look=''

# --- verdict ------------------------------------------------------------------
touch "$out/console.log"
reasons=()
rips=$(vcpu_rips "$out" "$kernel")
if ((rc == 124 || rc == 137)); then
	reasons+=("timeout after ${timeout}s${rips:+ (vCPUs: $rips)}")
elif ((rc)); then
	reasons+=("qemu exited $rc: $(tail -n1 "$out/qemu.log")")
fi
code=$(tr -d '\r' <"$out/output.log" | sed -n 's/^.*TDPROOT-EXIT \([0-9]*\)$/\1/p' | tail -n1)
if [[ -z $code ]]; then
	reasons+=("no TDPROOT-EXIT line")
else
	echo "$code" >"$out/exit_code"
	((code == 0)) || reasons+=("command exited $code")
fi
# One list of what fails a run, tools/splats.txt, compiled into tdproot-stress.
matches=$(grep -aF -f "$TDPROOT_HOST/../../tools/splats.txt" "$out/console.log" || true)
[[ -z $matches ]] || reasons+=("kernel splat in console.log")

if ((${#reasons[@]} == 0)); then
	info "boot OK (${secs}s)"
	exit 0
fi
{
	[[ -z $matches ]] || printf -- '--- splat lines:\n%s\n' "$matches"
	echo "--- console.log (last 60 lines):"
	tail -n 60 "$out/console.log" | tr -d '\r'
	echo "--- output.log (last 40 lines):"
	tail -n 40 "$out/output.log" | tr -d '\r'
} >&2
reason=$(printf '%s; ' "${reasons[@]}")
# Exit 75 (EX_TEMPFAIL) for what looks like the emulator, not the code: the
# caller reports it as such, never as a pass, and may rerun once.
if emulator_fault "$out"; then
	info "boot FAILED, EMULATOR FAULT: ${reason%; } (logs in $out)"
	exit 75
fi
info "boot FAILED: ${reason%; } (logs in $out)"
exit 1
