/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters and latency histograms. Every VM has a set; the module keeps a
 * second set that every VM update also feeds, so module-wide totals survive
 * the VMs that produced them.
 */
#ifndef _TDPROOT_STATS_H
#define _TDPROOT_STATS_H

#include <linux/atomic.h>
#include <linux/seq_file.h>
#include <linux/types.h>

/*
 * Counters only grow, except leaf_sptes (entries mapped now) and
 * max_lock_hold_ns (a maximum). tdp_stat_names[] spells them for debugfs.
 */
enum tdp_stat {
	TDP_STAT_roots_allocated,
	TDP_STAT_roots_freed,
	TDP_STAT_pt_pages_allocated,
	TDP_STAT_pt_pages_freed,
	TDP_STAT_leaf_sptes,
	TDP_STAT_faults,
	TDP_STAT_fault_retries,
	TDP_STAT_spurious_faults,
	TDP_STAT_zaps_all,
	TDP_STAT_zaps_range,
	TDP_STAT_root_zaps,
	TDP_STAT_root_zap_ns,
	TDP_STAT_zap_yields,
	TDP_STAT_root_invalidations,
	TDP_STAT_vcpu_reloads,
	TDP_STAT_role_flips,
	TDP_STAT_tlb_flushes,
	TDP_STAT_accesses,
	TDP_STAT_integrity_errors,
	TDP_STAT_invariant_errors,
	TDP_STAT_max_lock_hold_ns,
	TDP_STAT_NR
};

/* log2 buckets of nanoseconds: bucket i holds [2^i, 2^(i+1)). */
#define TDP_HIST_BUCKETS	40

struct tdp_hist {
	atomic64_t bucket[TDP_HIST_BUCKETS];
};

enum tdp_hist_id {
	TDP_HIST_LOCK_HOLD,
	TDP_HIST_VCPU_STALL,
	TDP_HIST_NR
};

struct tdp_stats {
	atomic64_t v[TDP_STAT_NR];
	struct tdp_hist hist[TDP_HIST_NR];
};

extern struct tdp_stats tdp_global_stats;
extern const char *const tdp_stat_names[TDP_STAT_NR];
extern const char *const tdp_hist_names[TDP_HIST_NR];

/**
 * tdp_stat_add() - Add to a VM counter and to the module-wide one.
 * @s: the VM's statistics.
 * @stat: which counter.
 * @delta: amount, negative only for gauges.
 */
static inline void tdp_stat_add(struct tdp_stats *s, enum tdp_stat stat, s64 delta)
{
	atomic64_add(delta, &s->v[stat]);
	atomic64_add(delta, &tdp_global_stats.v[stat]);
}

static inline void tdp_stat_inc(struct tdp_stats *s, enum tdp_stat stat)
{
	tdp_stat_add(s, stat, 1);
}

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
 * @id: which histogram.
 * @ns: the sample in nanoseconds.
 */
void tdp_hist_record(struct tdp_stats *s, enum tdp_hist_id id, u64 ns);

/**
 * tdp_hist_reset() - Empty a histogram.
 * @s: the VM's statistics.
 * @id: which histogram.
 */
void tdp_hist_reset(struct tdp_stats *s, enum tdp_hist_id id);

/**
 * tdp_hist_show() - Print a histogram for people: bucket, count, a bar,
 * then p50, p99 and max.
 * @m: the seq_file of a debugfs read.
 * @s: the VM's statistics.
 * @id: which histogram.
 */
void tdp_hist_show(struct seq_file *m, struct tdp_stats *s, enum tdp_hist_id id);

/**
 * tdp_stats_show() - Print every counter as "key value" lines, with the
 * derived gauges roots_live and pt_pages_live.
 * @m: the seq_file of a debugfs read.
 * @s: the statistics to print.
 */
void tdp_stats_show(struct seq_file *m, struct tdp_stats *s);

#endif /* _TDPROOT_STATS_H */
