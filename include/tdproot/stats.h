/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters and latency histograms. Every VM has a set; the module keeps a
 * second set that every VM update also feeds, so module-wide totals survive
 * the VMs that produced them.
 */
#ifndef _TDPROOT_STATS_H
#define _TDPROOT_STATS_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/types.h>

/*
 * Counters only grow, except leaf_sptes (entries mapped now) and the
 * max_lock_hold_* maxima. A shared hold of mmu_lock delays only writers, an
 * exclusive one delays every fault, so the two are kept apart; the overall
 * max_lock_hold_ns is derived when read. One list makes the enum and
 * tdp_stat_names[], the names debugfs prints.
 */
#define TDP_STATS(X)				\
	X(roots_allocated)			\
	X(roots_freed)				\
	X(pt_pages_allocated)			\
	X(pt_pages_freed)			\
	X(leaf_sptes)				\
	X(faults)				\
	X(fault_retries)			\
	X(spurious_faults)			\
	X(zaps_all)				\
	X(zaps_range)				\
	X(root_zaps)				\
	X(root_zap_ns)				\
	X(zap_yields)				\
	X(root_invalidations)			\
	X(vcpu_reloads)				\
	X(role_flips)				\
	X(tlb_flushes)				\
	X(accesses)				\
	X(integrity_errors)			\
	X(invariant_errors)			\
	X(max_lock_hold_shared_ns)		\
	X(max_lock_hold_exclusive_ns)

enum tdp_stat {
#define TDP_STAT_ENUM(name) TDP_STAT_##name,
	TDP_STATS(TDP_STAT_ENUM)
#undef TDP_STAT_ENUM
	TDP_STAT_NR
};

/*
 * Log-linear buckets of nanoseconds: every power of two [2^k, 2^(k+1)) is
 * split into TDP_HIST_SUB equal buckets, so a percentile read back as a
 * bucket's upper bound is at most 1/TDP_HIST_SUB above the truth. Samples
 * below TDP_HIST_SUB ns get a bucket each; 2^40 ns and more share the last.
 */
#define TDP_HIST_SUB_SHIFT	2
#define TDP_HIST_SUB		BIT(TDP_HIST_SUB_SHIFT)
#define TDP_HIST_OCTAVES	40
#define TDP_HIST_BUCKETS	((TDP_HIST_OCTAVES - TDP_HIST_SUB_SHIFT + 1) * TDP_HIST_SUB)

/*
 * Recorded histograms, then TDP_HIST_LOCK_HOLD: not recorded, the sum of
 * the shared and exclusive ones whenever it is shown or reset.
 */
enum tdp_hist_id {
	TDP_HIST_LOCK_HOLD_SHARED,
	TDP_HIST_LOCK_HOLD_EXCLUSIVE,
	TDP_HIST_VCPU_STALL,
	TDP_HIST_NR,
	TDP_HIST_LOCK_HOLD = TDP_HIST_NR,
	TDP_HIST_VIEWS
};

/*
 * One CPU's share. Faults on different CPUs must not bounce a shared cache
 * line for every counter they bump, so counters and histograms are per CPU
 * and summed when read; the max_lock_hold_* maxima are per-CPU maxima.
 */
struct tdp_stats_cpu {
	s64 v[TDP_STAT_NR];
	u64 hist[TDP_HIST_NR][TDP_HIST_BUCKETS];
};

struct tdp_stats {
	struct tdp_stats_cpu __percpu *cpu;
};

extern struct tdp_stats tdp_global_stats;
extern const char *const tdp_stat_names[TDP_STAT_NR];
extern const char *const tdp_hist_names[TDP_HIST_VIEWS];

/**
 * tdp_stats_init() - Allocate a set of statistics, all zero.
 * @s: the statistics.
 *
 * Return: 0 or -ENOMEM.
 */
int tdp_stats_init(struct tdp_stats *s);

/**
 * tdp_stats_free() - Release a set of statistics.
 * @s: the statistics.
 */
void tdp_stats_free(struct tdp_stats *s);

/**
 * tdp_stat_add() - Add to a VM counter and to the module-wide one.
 * @s: the VM's statistics.
 * @stat: which counter.
 * @delta: amount, negative only for gauges.
 *
 * Safe in any context: a per-CPU add is one instruction on x86.
 */
static inline void tdp_stat_add(struct tdp_stats *s, enum tdp_stat stat, s64 delta)
{
	this_cpu_add(s->cpu->v[stat], delta);
	this_cpu_add(tdp_global_stats.cpu->v[stat], delta);
}

static inline void tdp_stat_inc(struct tdp_stats *s, enum tdp_stat stat)
{
	tdp_stat_add(s, stat, 1);
}

/**
 * tdp_stat_read() - Current value of a counter.
 * @s: the statistics.
 * @stat: which counter.
 *
 * Summed over CPUs, or for a max_lock_hold_* maximum the largest.
 *
 * Return: the value.
 */
s64 tdp_stat_read(struct tdp_stats *s, enum tdp_stat stat);

/**
 * tdp_atomic64_max() - Raise @a to @val if it is lower.
 * @a: the maximum.
 * @val: the sample.
 */
void tdp_atomic64_max(atomic64_t *a, u64 val);

/**
 * tdp_stat_max() - Raise a maximum, in the VM and module-wide.
 * @s: the VM's statistics.
 * @stat: which maximum.
 * @val: the new sample.
 */
void tdp_stat_max(struct tdp_stats *s, enum tdp_stat stat, u64 val);

/**
 * tdp_hist_record() - Count one latency sample.
 * @s: the VM's statistics.
 * @id: which histogram, one that is recorded (below TDP_HIST_NR).
 * @ns: the sample in nanoseconds.
 */
void tdp_hist_record(struct tdp_stats *s, enum tdp_hist_id id, u64 ns);

/**
 * tdp_hist_reset() - Empty a histogram.
 * @s: the VM's statistics.
 * @id: which histogram; TDP_HIST_LOCK_HOLD empties both lock-hold ones.
 */
void tdp_hist_reset(struct tdp_stats *s, enum tdp_hist_id id);

/**
 * tdp_hist_show() - Print a histogram for people.
 * @m: the seq_file of a debugfs read.
 * @s: the VM's statistics.
 * @id: which histogram; TDP_HIST_LOCK_HOLD sums both lock-hold ones.
 *
 * One line per power of two (bucket, count, a bar), then p50, p99 and max
 * from the finer buckets.
 */
void tdp_hist_show(struct seq_file *m, struct tdp_stats *s, enum tdp_hist_id id);

/**
 * tdp_stats_show() - Print every counter as "key value" lines.
 * @m: the seq_file of a debugfs read.
 * @s: the statistics to print.
 *
 * With the derived values roots_live, pt_pages_live and max_lock_hold_ns.
 */
void tdp_stats_show(struct seq_file *m, struct tdp_stats *s);

#endif /* _TDPROOT_STATS_H */
