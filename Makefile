# SPDX-License-Identifier: GPL-2.0
#
# tdproot: build the module, and drive the QEMU test hosts.
#
#   make [KDIR=...]        build tdproot.ko against a kernel build tree
#   make check [KERNELS=]  the test suite, in booted test kernels
#   make check-rt          the suite on Debian's 6.12 PREEMPT_RT kernel
#   make run [KERNEL=] [ARGS=]  a stress run in a booted test kernel
#   (KERNEL, KERNELS: 6.1, 6.12, 6.12-rt or debug, for every target)
#   make lint              checkpatch --strict, sparse, W=1, coccinelle, shellcheck
#   make bench [QUICK=1] [CASES=14]  zap, fault and reload costs against same-boot baselines
#   make model             spin checks the Promela model of the root lifecycle
#   make mutants           the suite against each reintroduced upstream bug
#   make soak [RUNS=9] [SCENARIO=populate_zap_all]  one scenario, a fresh test host per run

KDIR ?= /lib/modules/$(shell uname -r)/build
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
KERNELS ?= 6.1 6.12 6.12-rt debug
KERNEL ?= 6.1
ARGS ?=

.PHONY: all modules clean install dkms-install dkms-uninstall lint check check-rt run \
	model bench mutants soak version kdir

all: modules

# Without KDIR= and without a build tree for the running kernel, build
# against the newest installed one, else the newest test kernel's headers in
# the cache (make check and make run put them there), and say so; with none
# at all, say what to do.
TDPROOT_CACHE ?= $(or $(XDG_CACHE_HOME),$(or $(HOME),/var/tmp)/.cache)/tdproot
ifneq ($(filter all modules install clean,$(or $(MAKECMDGOALS),all)),)
ifeq ($(origin KDIR),file)
ifeq ($(wildcard $(KDIR)/Makefile),)
FALLBACK_KDIR := $(lastword $(sort $(dir $(wildcard /lib/modules/*/build/Makefile))))
ifeq ($(FALLBACK_KDIR),)
FALLBACK_KDIR := $(lastword $(sort $(dir $(wildcard \
	$(TDPROOT_CACHE)/kernels/*/usr/src/linux-headers-*-amd64/Makefile))))
endif
ifneq ($(FALLBACK_KDIR),)
$(info tdproot: no kernel build tree at $(KDIR) (the running kernel);)
$(info tdproot: building against $(FALLBACK_KDIR:/=) instead; pass KDIR=... to choose)
KDIR := $(FALLBACK_KDIR:/=)
endif
endif
endif
endif

kdir:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "tdproot: no kernel build tree at $(KDIR)."; \
		echo "tdproot: pass one, e.g. make KDIR=/lib/modules/<version>/build"; \
		echo "tdproot: (Debian: apt-get install linux-headers-<version>);"; \
		echo "tdproot: 'make check' and 'make run' build against the test kernels themselves."; \
		exit 2; \
	fi

modules: kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	@if [ -f "$(KDIR)/Makefile" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf .build

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(KDIR)))

dkms-install:
	tests/qemu/dkms-install.sh install $(VERSION)

dkms-uninstall:
	tests/qemu/dkms-install.sh uninstall $(VERSION)

version:
	@echo $(VERSION)

lint:
	tests/lint.sh

check:
	tests/qemu/check.sh $(KERNELS)

check-rt:
	tests/qemu/check.sh 6.12-rt

run:
	tests/qemu/run.sh $(KERNEL) $(ARGS)

bench:
	tests/qemu/bench.sh $(KERNEL) $(if $(QUICK),--quick) $(if $(CASES),--cases $(CASES))

model:
	tests/model/run.sh

mutants:
	tests/qemu/mutants.sh $(if $(filter 1,$(REJUDGE)),--rejudge) $(if $(filter 1,$(HW)),--hw) $(KERNEL) $(MUTANTS)

soak:
	tests/qemu/soak.sh $(KERNEL) $(or $(SCENARIO),populate_zap_all) $(or $(RUNS),1)
