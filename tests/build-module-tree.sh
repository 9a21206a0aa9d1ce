#!/bin/bash
# Usage: build-module-tree.sh KTREE [make args...]
# Builds tdproot.ko against the kernel build tree KTREE (e.g. the output of
# tests/host/debug-kernel.sh) in a private copy under .build/mod-debug, W=1,
# failing on any compiler or modpost warning. Prints the path of the module.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=host/lib.sh
. "$here/host/lib.sh"
(($# >= 1)) || die "usage: build-module-tree.sh KTREE [make args...]"
[[ -d $1 ]] || die "no such kernel tree: $1"
tree=$(cd "$1" && pwd)
shift
exec "$here/build-module.sh" "$tree" "$@"
