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
 * max_* maxima. A shared hold of mmu_lock delays only writers, an
 * exclusive one delays every fault, so the two are kept apart; the overall
 * max_lock_hold_ns is derived when read. One list, stats_list.h, makes the
 * enum and tdpr_stat_names[], the names debugfs prints.
 */
enum tdpr_stat {
#define TDPR_STAT(name) TDPR_STAT_##name,
#include <tdproot/stats_list.h>
	TDPR_STAT_NR
};

/*
 * Log-linear buckets of nanoseconds: every power of two [2^k, 2^(k+1)) is
 * split into TDPR_HIST_SUB equal buckets, so a percentile read back as a
 * bucket's upper bound is at most 1/TDPR_HIST_SUB above the truth. Samples
 * below TDPR_HIST_SUB ns get a bucket each; 2^40 ns and more share the last.
 */
#define TDPR_HIST_SUB_SHIFT	2
#define TDPR_HIST_SUB		BIT(TDPR_HIST_SUB_SHIFT)
#define TDPR_HIST_OCTAVES	40
#define TDPR_HIST_BUCKETS	((TDPR_HIST_OCTAVES - TDPR_HIST_SUB_SHIFT + 1) * TDPR_HIST_SUB)

/*
 * The code paths that take mmu_lock. Each hold is charged to one of them,
 * in NAME/hist/lock_hold_by_site: the site that took the lock, or the zap
 * of a root if the hold zapped part of one (a root's last put zaps it under
 * whatever lock its caller took).
 */
enum tdpr_lock_site {
	TDPR_SITE_FAULT,		/* a vCPU's fault */
	TDPR_SITE_POPULATE,		/* a batch of populate's faults */
	TDPR_SITE_ROOT_LOAD,		/* find or allocate a vCPU's root */
	TDPR_SITE_ROOT_PUT,		/* drop a reference to a root */
	TDPR_SITE_INVALIDATE_ALL,	/* zap_all marking every root invalid */
	TDPR_SITE_ZAP_ROOT,		/* a step of the zap of an invalid root */
	TDPR_SITE_ZAP_RANGE,		/* zap_range, migrate: the range's leaves */
	TDPR_SITE_INVALIDATE_END,	/* the end of a range invalidation */
	TDPR_SITE_DIRTY_LOG,		/* harvest of the dirty bits */
	TDPR_LOCK_SITES
};

/*
 * Recorded histograms, then views that are not recorded: TDPR_HIST_LOCK_HOLD
 * is the sum of the shared and exclusive holds, TDPR_HIST_LOCK_HOLD_BY_SITE
 * the per-site ones side by side, whenever they are shown or reset. The
 * holds are recorded twice, by mode and by site, so each view is one sum.
 */
enum tdpr_hist_id {
	TDPR_HIST_LOCK_HOLD_SHARED,
	TDPR_HIST_LOCK_HOLD_EXCLUSIVE,
	TDPR_HIST_VCPU_STALL,
	TDPR_HIST_LOCK_WAIT_EXCLUSIVE,
	TDPR_HIST_SITE,
	TDPR_HIST_NR = TDPR_HIST_SITE + TDPR_LOCK_SITES,
	TDPR_HIST_LOCK_HOLD = TDPR_HIST_NR,
	TDPR_HIST_LOCK_HOLD_BY_SITE,
	TDPR_HIST_VIEWS
};

/*
 * One CPU's share. Faults on different CPUs must not bounce a shared cache
 * line for every counter they bump, so counters and histograms are per CPU
 * and summed when read; the max_* maxima are per-CPU maxima.
 */
struct tdpr_stats_cpu {
	s64 v[TDPR_STAT_NR];
	u64 hist[TDPR_HIST_NR][TDPR_HIST_BUCKETS];
};

struct tdpr_stats {
	struct tdpr_stats_cpu __percpu *cpu;
};

extern struct tdpr_stats tdpr_global_stats;
extern const char *const tdpr_stat_names[TDPR_STAT_NR];
extern const char *const tdpr_hist_names[TDPR_HIST_VIEWS];
extern const char *const tdpr_lock_site_names[TDPR_LOCK_SITES];

/**
 * tdpr_stats_init() - Allocate a set of statistics, all zero.
 * @s: the statistics.
 *
 * Return: 0 or -ENOMEM.
 */
int tdpr_stats_init(struct tdpr_stats *s);

/**
 * tdpr_stats_free() - Release a set of statistics.
 * @s: the statistics.
 */
void tdpr_stats_free(struct tdpr_stats *s);

/**
 * tdpr_stat_add() - Add to a VM counter and to the module-wide one.
 * @s: the VM's statistics.
 * @stat: which counter.
 * @delta: amount, negative only for gauges.
 *
 * Safe in any context: a per-CPU add is one instruction on x86.
 */
static inline void tdpr_stat_add(struct tdpr_stats *s, enum tdpr_stat stat, s64 delta)
{
	this_cpu_add(s->cpu->v[stat], delta);
	this_cpu_add(tdpr_global_stats.cpu->v[stat], delta);
}

static inline void tdpr_stat_inc(struct tdpr_stats *s, enum tdpr_stat stat)
{
	tdpr_stat_add(s, stat, 1);
}

/**
 * tdpr_stat_read() - Current value of a counter.
 * @s: the statistics.
 * @stat: which counter.
 *
 * Summed over CPUs, or for a max_* maximum the largest.
 *
 * Return: the value.
 */
s64 tdpr_stat_read(struct tdpr_stats *s, enum tdpr_stat stat);

/**
 * tdpr_atomic64_max() - Raise @a to @val if it is lower.
 * @a: the maximum.
 * @val: the sample.
 */
void tdpr_atomic64_max(atomic64_t *a, u64 val);

/**
 * tdpr_stat_max() - Raise a maximum, in the VM and module-wide.
 * @s: the VM's statistics.
 * @stat: which maximum.
 * @val: the new sample.
 */
void tdpr_stat_max(struct tdpr_stats *s, enum tdpr_stat stat, u64 val);

/**
 * tdpr_hist_record() - Count one latency sample.
 * @s: the VM's statistics.
 * @id: which histogram, one that is recorded (below TDPR_HIST_NR).
 * @ns: the sample in nanoseconds.
 */
void tdpr_hist_record(struct tdpr_stats *s, enum tdpr_hist_id id, u64 ns);

/**
 * tdpr_hist_reset() - Empty a histogram.
 * @s: the VM's statistics.
 * @id: which histogram, or a view: every histogram the view sums.
 */
void tdpr_hist_reset(struct tdpr_stats *s, enum tdpr_hist_id id);

/**
 * tdpr_hist_show() - Print a histogram for people.
 * @m: the seq_file of a debugfs read.
 * @s: the VM's statistics.
 * @id: which histogram; TDPR_HIST_LOCK_HOLD sums both lock-hold ones.
 *
 * One line per power of two (bucket, count, a bar), then p50, p99 and max
 * from the finer buckets.
 */
void tdpr_hist_show(struct seq_file *m, struct tdpr_stats *s, enum tdpr_hist_id id);

/**
 * tdpr_hist_show_sites() - Print the lock holds of every site, one per line.
 * @m: the seq_file of a debugfs read.
 * @s: the VM's statistics.
 *
 * "site count p50 p99 max", nanoseconds, in the order of enum
 * tdpr_lock_site; sites without a hold print zeros.
 */
void tdpr_hist_show_sites(struct seq_file *m, struct tdpr_stats *s);

/**
 * tdpr_stats_show() - Print every counter as "key value" lines.
 * @m: the seq_file of a debugfs read.
 * @s: the statistics to print.
 *
 * With the derived values roots_live, pt_pages_live and max_lock_hold_ns.
 */
void tdpr_stats_show(struct seq_file *m, struct tdpr_stats *s);

#endif /* _TDPROOT_STATS_H */
