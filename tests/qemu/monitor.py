#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The QEMU monitor of a test host (boot.sh), for a last look at a host
that stopped answering.

  monitor.py ask SOCK COMMAND           print what the monitor answers
  monitor.py rips VCPUS_LOG SYSTEM_MAP TEXT
        each vCPU's RIP in every 'info registers -a' answer of VCPUS_LOG as
        symbol+offset (TEXT: where _text landed in that boot, hex), one
        line: "CPU0 a -> b (moved), CPU1 c -> c (same)"
"""
import bisect
import re
import socket
import sys


def ask(path, command):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    buf = b''

    def until_prompt():
        nonlocal buf
        while not buf.endswith(b'(qemu) '):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        out, buf = buf, b''
        return out

    until_prompt()
    s.sendall(command.encode() + b'\n')
    sys.stdout.write(until_prompt().decode(errors='replace').replace('\r', ''))


def rips(log, sysmap, text):
    """Debian's System.map is a stub (the real one is in the -dbg package):
    then an address is printed as _text+offset, which that map resolves."""
    text = int(text, 16)
    addrs, names, map_text = [], [], None
    try:
        with open(sysmap) as f:
            for line in f:
                a, t, n = (line.split() + ['', '', ''])[:3]
                if n == '_text':
                    map_text = int(a, 16)
                if t in ('t', 'T', 'w', 'W'):
                    addrs.append(int(a, 16))
                    names.append(n)
    except OSError:
        pass
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    addrs = [addrs[i] for i in order]
    names = [names[i] for i in order]

    def sym(rip):
        if rip < 0xffff800000000000:
            return 'user %#x' % rip
        if map_text is None:
            return '_text+%#x' % (rip - text)
        a = rip - text + map_text
        i = bisect.bisect_right(addrs, a) - 1
        return '%s+%#x' % (names[i], a - addrs[i]) if i >= 0 else '%#x' % rip

    seen = {}
    cpu = None
    for line in open(log, errors='replace'):
        m = re.match(r'CPU#(\d+)', line)
        if m:
            cpu = int(m.group(1))
        m = re.search(r'RIP=([0-9a-f]{16})', line)
        if m and cpu is not None:
            seen.setdefault(cpu, []).append(int(m.group(1), 16))
    parts = []
    for cpu in sorted(seen):
        r = seen[cpu]
        how = '' if len(r) < 2 else (' (same)' if r[0] == r[-1] else ' (moved)')
        parts.append('CPU%d %s%s' % (cpu, ' -> '.join(sym(x) for x in r), how))
    print(', '.join(parts))


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'ask':
        ask(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == 'rips':
        rips(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
