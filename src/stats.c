// SPDX-License-Identifier: GPL-2.0
/* Counter names, maxima and log2 latency histograms. */

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/math64.h>

#include <tdproot/stats.h>

struct tdpr_stats tdpr_global_stats;

const char *const tdpr_stat_names[TDPR_STAT_NR] = {
#define TDPR_STAT(name)	\
	[TDPR_STAT_##name] = #name,
#include <tdproot/stats_list.h>
};

const char *const tdpr_lock_site_names[TDPR_LOCK_SITES] = {
	[TDPR_SITE_FAULT] = "fault",
	[TDPR_SITE_POPULATE] = "populate",
	[TDPR_SITE_ROOT_LOAD] = "root_load",
	[TDPR_SITE_ROOT_PUT] = "root_put",
	[TDPR_SITE_INVALIDATE_ALL] = "invalidate_all",
	[TDPR_SITE_ZAP_ROOT] = "zap_root",
	[TDPR_SITE_ZAP_RANGE] = "zap_range",
	[TDPR_SITE_INVALIDATE_END] = "invalidate_end",
	[TDPR_SITE_DIRTY_LOG] = "dirty_log",
};

/* Only the files' names: a site's histogram is shown as a line of the by-site view. */
const char *const tdpr_hist_names[TDPR_HIST_VIEWS] = {
	[TDPR_HIST_LOCK_HOLD_SHARED] = "lock_hold_shared",
	[TDPR_HIST_LOCK_HOLD_EXCLUSIVE] = "lock_hold_exclusive",
	[TDPR_HIST_VCPU_STALL] = "vcpu_stall",
	[TDPR_HIST_LOCK_WAIT_EXCLUSIVE] = "lock_wait_exclusive",
	[TDPR_HIST_LOCK_HOLD] = "lock_hold",
	[TDPR_HIST_LOCK_HOLD_BY_SITE] = "lock_hold_by_site",
};

static bool tdpr_stat_is_max(enum tdpr_stat stat)
{
	return stat == TDPR_STAT_max_lock_hold_shared_ns ||
	       stat == TDPR_STAT_max_lock_hold_exclusive_ns ||
	       stat == TDPR_STAT_max_lock_wait_exclusive_ns ||
	       stat == TDPR_STAT_max_zap_step_ns;
}

/* The recorded histograms behind @id: itself, or those a view sums. */
static unsigned long tdpr_hist_parts(enum tdpr_hist_id id)
{
	if (id == TDPR_HIST_LOCK_HOLD)
		return BIT(TDPR_HIST_LOCK_HOLD_SHARED) | BIT(TDPR_HIST_LOCK_HOLD_EXCLUSIVE);
	if (id == TDPR_HIST_LOCK_HOLD_BY_SITE)
		return GENMASK(TDPR_HIST_NR - 1, TDPR_HIST_SITE);
	return BIT(id);
}

void tdpr_atomic64_max(atomic64_t *a, u64 val)
{
	s64 old = atomic64_read(a);

	while ((u64)old < val && !atomic64_try_cmpxchg(a, &old, val))
		;
}

int tdpr_stats_init(struct tdpr_stats *s)
{
	s->cpu = alloc_percpu(struct tdpr_stats_cpu);
	return s->cpu ? 0 : -ENOMEM;
}

void tdpr_stats_free(struct tdpr_stats *s)
{
	free_percpu(s->cpu);
	s->cpu = NULL;
}

s64 tdpr_stat_read(struct tdpr_stats *s, enum tdpr_stat stat)
{
	s64 v = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		s64 c = READ_ONCE(per_cpu_ptr(s->cpu, cpu)->v[stat]);

		if (tdpr_stat_is_max(stat))
			v = max(v, c);
		else
			v += c;
	}
	return v;
}

static void tdpr_cpu_max(struct tdpr_stats *s, enum tdpr_stat stat, u64 val)
{
	struct tdpr_stats_cpu *c = get_cpu_ptr(s->cpu);

	if (val > c->v[stat])
		WRITE_ONCE(c->v[stat], val);
	put_cpu_ptr(s->cpu);
}

void tdpr_stat_max(struct tdpr_stats *s, enum tdpr_stat stat, u64 val)
{
	tdpr_cpu_max(s, stat, val);
	tdpr_cpu_max(&tdpr_global_stats, stat, val);
}

static unsigned int tdpr_hist_bucket(u64 ns)
{
	unsigned int k;

	if (ns < TDPR_HIST_SUB)
		return ns;
	k = ilog2(ns);
	/* The octave's first bucket, plus the TDPR_HIST_SUB_SHIFT bits below the top one. */
	return (k - TDPR_HIST_SUB_SHIFT + 1) * TDPR_HIST_SUB +
	       ((ns >> (k - TDPR_HIST_SUB_SHIFT)) & (TDPR_HIST_SUB - 1));
}

/* The smallest sample that lands in bucket @i; bucket i ends where i + 1 starts. */
static u64 tdpr_hist_floor(unsigned int i)
{
	unsigned int k = i / TDPR_HIST_SUB + TDPR_HIST_SUB_SHIFT - 1;

	if (i < TDPR_HIST_SUB)
		return i;
	return (u64)(TDPR_HIST_SUB + i % TDPR_HIST_SUB) << (k - TDPR_HIST_SUB_SHIFT);
}

void tdpr_hist_record(struct tdpr_stats *s, enum tdpr_hist_id id, u64 ns)
{
	if (WARN_ON_ONCE(id >= TDPR_HIST_NR))
		return;
	this_cpu_inc(s->cpu->hist[id][min_t(unsigned int, tdpr_hist_bucket(ns),
					    TDPR_HIST_BUCKETS - 1)]);
}

void tdpr_hist_reset(struct tdpr_stats *s, enum tdpr_hist_id id)
{
	unsigned long parts = tdpr_hist_parts(id);
	unsigned int i, h;
	int cpu;

	for_each_set_bit(h, &parts, TDPR_HIST_NR)
		for_each_possible_cpu(cpu)
			for (i = 0; i < TDPR_HIST_BUCKETS; i++)
				WRITE_ONCE(per_cpu_ptr(s->cpu, cpu)->hist[h][i], 0);
}

/* Print a nanosecond bound the way people read it: 512ns, 33us, 1ms, 2s. */
static void tdpr_seq_ns(struct seq_file *m, u64 ns)
{
	static const char *const unit[] = { "ns", "us", "ms", "s" };
	unsigned int u = 0;

	while (u < ARRAY_SIZE(unit) - 1 && ns >= 1000) {
		ns = div_u64(ns, 1000);
		u++;
	}
	seq_printf(m, "%6llu%-2s", ns, unit[u]);
}

/* Upper bound of the bucket holding the sample of rank @rank (1-based). */
static u64 tdpr_hist_rank(const u64 *cnt, u64 rank)
{
	u64 seen = 0;
	unsigned int i;

	for (i = 0; i < TDPR_HIST_BUCKETS; i++) {
		seen += cnt[i];
		if (seen >= rank)
			return tdpr_hist_floor(i + 1);
	}
	return 0;
}

/* Lines for people: one per power of two, [2^k, 2^(k+1)); [0, 2) first. */
static unsigned int tdpr_hist_line(unsigned int bucket)
{
	u64 lo = tdpr_hist_floor(bucket);

	return lo ? ilog2(lo) : 0;
}

/* Sum the buckets of the histograms behind @id over every CPU into @cnt. */
static u64 tdpr_hist_sum(struct tdpr_stats *s, enum tdpr_hist_id id, u64 *cnt)
{
	unsigned long parts = tdpr_hist_parts(id);
	u64 total = 0;
	unsigned int i, h;
	int cpu;

	for (i = 0; i < TDPR_HIST_BUCKETS; i++) {
		cnt[i] = 0;
		for_each_set_bit(h, &parts, TDPR_HIST_NR)
			for_each_possible_cpu(cpu)
				cnt[i] += READ_ONCE(per_cpu_ptr(s->cpu, cpu)->hist[h][i]);
		total += cnt[i];
	}
	return total;
}

/* Upper bound of the highest non-empty bucket, 0 when empty. */
static u64 tdpr_hist_max(const u64 *cnt)
{
	int i;

	for (i = TDPR_HIST_BUCKETS - 1; i >= 0; i--)
		if (cnt[i])
			return tdpr_hist_floor(i + 1);
	return 0;
}

void tdpr_hist_show_sites(struct seq_file *m, struct tdpr_stats *s)
{
	u64 cnt[TDPR_HIST_BUCKETS], total;
	unsigned int site;

	seq_printf(m, "# site holds p50_ns p99_ns max_ns (upper bounds, within 1/%lu)\n",
		   TDPR_HIST_SUB);
	for (site = 0; site < TDPR_LOCK_SITES; site++) {
		total = tdpr_hist_sum(s, TDPR_HIST_SITE + site, cnt);
		seq_printf(m, "%s %llu %llu %llu %llu\n", tdpr_lock_site_names[site], total,
			   total ? tdpr_hist_rank(cnt, div64_u64(total + 1, 2)) : 0,
			   total ? tdpr_hist_rank(cnt, total - div64_u64(total, 100)) : 0,
			   tdpr_hist_max(cnt));
	}
}

void tdpr_hist_show(struct seq_file *m, struct tdpr_stats *s, enum tdpr_hist_id id)
{
	u64 cnt[TDPR_HIST_BUCKETS], line[TDPR_HIST_OCTAVES] = {}, total = 0, peak = 0;
	int i, first = -1, last = -1, last_bucket = -1;

	tdpr_hist_sum(s, id, cnt);
	for (i = 0; i < TDPR_HIST_BUCKETS; i++) {
		unsigned int l = tdpr_hist_line(i);

		if (!cnt[i])
			continue;
		total += cnt[i];
		line[l] += cnt[i];
		peak = max(peak, line[l]);
		if (first < 0)
			first = l;
		last = l;
		last_bucket = i;
	}
	seq_printf(m, "# %s: %llu samples, log2 lines, percentiles within 1/%lu\n",
		   tdpr_hist_names[id], total, TDPR_HIST_SUB);
	for (i = first; total && i <= last; i++) {
		unsigned int bar = div64_u64(line[i] * 40, peak);

		seq_puts(m, "[");
		tdpr_seq_ns(m, i ? 1ULL << i : 0);
		seq_puts(m, ", ");
		tdpr_seq_ns(m, 2ULL << i);
		seq_printf(m, ") %10llu |%.*s\n", line[i], bar,
			   "****************************************");
	}
	/* Percentiles are upper bounds of the fine buckets. */
	seq_printf(m, "p50 %llu\np99 %llu\nmax %llu\n",
		   total ? tdpr_hist_rank(cnt, div64_u64(total + 1, 2)) : 0,
		   total ? tdpr_hist_rank(cnt, total - div64_u64(total, 100)) : 0,
		   last_bucket >= 0 ? tdpr_hist_floor(last_bucket + 1) : 0);
}

void tdpr_stats_show(struct seq_file *m, struct tdpr_stats *s)
{
	u64 v[TDPR_STAT_NR];
	int i;

	for (i = 0; i < TDPR_STAT_NR; i++) {
		v[i] = tdpr_stat_read(s, i);
		seq_printf(m, "%s %lld\n", tdpr_stat_names[i], (s64)v[i]);
	}
	seq_printf(m, "roots_live %lld\npt_pages_live %lld\nmax_lock_hold_ns %lld\n",
		   (s64)(v[TDPR_STAT_roots_allocated] - v[TDPR_STAT_roots_freed]),
		   (s64)(v[TDPR_STAT_pt_pages_allocated] - v[TDPR_STAT_pt_pages_freed]),
		   (s64)max(v[TDPR_STAT_max_lock_hold_shared_ns],
			    v[TDPR_STAT_max_lock_hold_exclusive_ns]));
}
