// SPDX-License-Identifier: GPL-2.0
/* Counter names, maxima and log2 latency histograms. */

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/math64.h>

#include <tdproot/stats.h>

struct tdp_stats tdp_global_stats;

const char *const tdp_stat_names[TDP_STAT_NR] = {
#define TDP_STAT_NAME(name) [TDP_STAT_##name] = #name,
	TDP_STATS(TDP_STAT_NAME)
#undef TDP_STAT_NAME
};

const char *const tdp_hist_names[TDP_HIST_VIEWS] = {
	[TDP_HIST_LOCK_HOLD_SHARED] = "lock_hold_shared",
	[TDP_HIST_LOCK_HOLD_EXCLUSIVE] = "lock_hold_exclusive",
	[TDP_HIST_VCPU_STALL] = "vcpu_stall",
	[TDP_HIST_LOCK_HOLD] = "lock_hold",
};

static bool tdp_stat_is_max(enum tdp_stat stat)
{
	return stat == TDP_STAT_max_lock_hold_shared_ns ||
	       stat == TDP_STAT_max_lock_hold_exclusive_ns;
}

/* The recorded histograms behind @id: itself, or both lock-hold ones. */
static unsigned long tdp_hist_parts(enum tdp_hist_id id)
{
	if (id == TDP_HIST_LOCK_HOLD)
		return BIT(TDP_HIST_LOCK_HOLD_SHARED) | BIT(TDP_HIST_LOCK_HOLD_EXCLUSIVE);
	return BIT(id);
}

void tdp_atomic64_max(atomic64_t *a, u64 val)
{
	s64 old = atomic64_read(a);

	while ((u64)old < val && !atomic64_try_cmpxchg(a, &old, val))
		;
}

int tdp_stats_init(struct tdp_stats *s)
{
	s->cpu = alloc_percpu(struct tdp_stats_cpu);
	return s->cpu ? 0 : -ENOMEM;
}

void tdp_stats_free(struct tdp_stats *s)
{
	free_percpu(s->cpu);
	s->cpu = NULL;
}

s64 tdp_stat_read(struct tdp_stats *s, enum tdp_stat stat)
{
	s64 v = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		s64 c = READ_ONCE(per_cpu_ptr(s->cpu, cpu)->v[stat]);

		if (tdp_stat_is_max(stat))
			v = max(v, c);
		else
			v += c;
	}
	return v;
}

static void tdp_cpu_max(struct tdp_stats *s, enum tdp_stat stat, u64 val)
{
	struct tdp_stats_cpu *c = get_cpu_ptr(s->cpu);

	if (val > c->v[stat])
		WRITE_ONCE(c->v[stat], val);
	put_cpu_ptr(s->cpu);
}

void tdp_stat_max(struct tdp_stats *s, enum tdp_stat stat, u64 val)
{
	tdp_cpu_max(s, stat, val);
	tdp_cpu_max(&tdp_global_stats, stat, val);
}

static unsigned int tdp_hist_bucket(u64 ns)
{
	unsigned int k;

	if (ns < TDP_HIST_SUB)
		return ns;
	k = ilog2(ns);
	/* The octave's first bucket, plus the TDP_HIST_SUB_SHIFT bits below the top one. */
	return (k - TDP_HIST_SUB_SHIFT + 1) * TDP_HIST_SUB +
	       ((ns >> (k - TDP_HIST_SUB_SHIFT)) & (TDP_HIST_SUB - 1));
}

/* The smallest sample that lands in bucket @i; bucket i ends where i + 1 starts. */
static u64 tdp_hist_floor(unsigned int i)
{
	unsigned int k = i / TDP_HIST_SUB + TDP_HIST_SUB_SHIFT - 1;

	if (i < TDP_HIST_SUB)
		return i;
	return (u64)(TDP_HIST_SUB + i % TDP_HIST_SUB) << (k - TDP_HIST_SUB_SHIFT);
}

void tdp_hist_record(struct tdp_stats *s, enum tdp_hist_id id, u64 ns)
{
	if (WARN_ON_ONCE(id >= TDP_HIST_NR))
		return;
	this_cpu_inc(s->cpu->hist[id][min_t(unsigned int, tdp_hist_bucket(ns),
					    TDP_HIST_BUCKETS - 1)]);
}

void tdp_hist_reset(struct tdp_stats *s, enum tdp_hist_id id)
{
	unsigned long parts = tdp_hist_parts(id);
	unsigned int i, h;
	int cpu;

	for_each_set_bit(h, &parts, TDP_HIST_NR)
		for_each_possible_cpu(cpu)
			for (i = 0; i < TDP_HIST_BUCKETS; i++)
				WRITE_ONCE(per_cpu_ptr(s->cpu, cpu)->hist[h][i], 0);
}

/* Print a nanosecond bound the way people read it: 512ns, 33us, 1ms, 2s. */
static void tdp_seq_ns(struct seq_file *m, u64 ns)
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
static u64 tdp_hist_rank(const u64 *cnt, u64 rank)
{
	u64 seen = 0;
	unsigned int i;

	for (i = 0; i < TDP_HIST_BUCKETS; i++) {
		seen += cnt[i];
		if (seen >= rank)
			return tdp_hist_floor(i + 1);
	}
	return 0;
}

/* Lines for people: one per power of two, [2^k, 2^(k+1)); [0, 2) first. */
static unsigned int tdp_hist_line(unsigned int bucket)
{
	u64 lo = tdp_hist_floor(bucket);

	return lo ? ilog2(lo) : 0;
}

void tdp_hist_show(struct seq_file *m, struct tdp_stats *s, enum tdp_hist_id id)
{
	u64 cnt[TDP_HIST_BUCKETS], line[TDP_HIST_OCTAVES] = {}, total = 0, peak = 0;
	int i, first = -1, last = -1, last_bucket = -1;
	unsigned long parts = tdp_hist_parts(id);

	for (i = 0; i < TDP_HIST_BUCKETS; i++) {
		unsigned int l = tdp_hist_line(i), h;
		int cpu;

		cnt[i] = 0;
		for_each_set_bit(h, &parts, TDP_HIST_NR)
			for_each_possible_cpu(cpu)
				cnt[i] += READ_ONCE(per_cpu_ptr(s->cpu, cpu)->hist[h][i]);
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
		   tdp_hist_names[id], total, TDP_HIST_SUB);
	for (i = first; total && i <= last; i++) {
		unsigned int bar = div64_u64(line[i] * 40, peak);

		seq_puts(m, "[");
		tdp_seq_ns(m, i ? 1ULL << i : 0);
		seq_puts(m, ", ");
		tdp_seq_ns(m, 2ULL << i);
		seq_printf(m, ") %10llu |%.*s\n", line[i], bar,
			   "****************************************");
	}
	/* Percentiles are upper bounds of the fine buckets. */
	seq_printf(m, "p50 %llu\np99 %llu\nmax %llu\n",
		   total ? tdp_hist_rank(cnt, div64_u64(total + 1, 2)) : 0,
		   total ? tdp_hist_rank(cnt, total - div64_u64(total, 100)) : 0,
		   last_bucket >= 0 ? tdp_hist_floor(last_bucket + 1) : 0);
}

void tdp_stats_show(struct seq_file *m, struct tdp_stats *s)
{
	u64 v[TDP_STAT_NR];
	int i;

	for (i = 0; i < TDP_STAT_NR; i++) {
		v[i] = tdp_stat_read(s, i);
		seq_printf(m, "%s %lld\n", tdp_stat_names[i], (s64)v[i]);
	}
	seq_printf(m, "roots_live %lld\npt_pages_live %lld\nmax_lock_hold_ns %lld\n",
		   (s64)(v[TDP_STAT_roots_allocated] - v[TDP_STAT_roots_freed]),
		   (s64)(v[TDP_STAT_pt_pages_allocated] - v[TDP_STAT_pt_pages_freed]),
		   (s64)max(v[TDP_STAT_max_lock_hold_shared_ns],
			    v[TDP_STAT_max_lock_hold_exclusive_ns]));
}
