// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of what is written to tdproot's debugfs files. Input is parsed
 * strictly: a malformed write changes nothing and fails with -EINVAL.
 *
 * Every refusal logs one ratelimited line that names the file and the piece
 * of input it refuses, and README.md's error table lists them all: a test
 * walks that table, so change both together.
 */

#include <linux/bitops.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/string.h>

#include "debugfs_parse.h"

#define TDPR_DEFAULT_MEM		(128ULL << 20)
#define TDPR_MAX_FLIP_MS		60000

char *tdpr_next_token(char **s)
{
	char *tok;

	while ((tok = strsep(s, " \t\n")))
		if (*tok)
			return tok;
	return NULL;
}

int tdpr_parse_u64(const char *s, u64 *out)
{
	/* Digits only (0x for hex): no sign, no suffix. */
	if (!isdigit(*s) || kstrtoull(s, 0, out))
		return -EINVAL;
	return 0;
}

/* SIZE: digits with an optional K, M, G or T suffix (powers of 1024). */
static int tdpr_parse_size(const char *s, u64 *out)
{
	static const char suffixes[] = "KMGT";
	size_t len = strlen(s);
	unsigned int shift = 0;
	const char *suffix;
	char digits[24];
	u64 v;

	if (!len || len >= sizeof(digits))
		return -EINVAL;
	suffix = strchr(suffixes, toupper(s[len - 1]));
	if (suffix && *suffix) {
		shift = 10 * (suffix - suffixes + 1);
		len--;
	}
	memcpy(digits, s, len);
	digits[len] = '\0';
	if (!len || strspn(digits, "0123456789") != len || kstrtoull(digits, 10, &v))
		return -EINVAL;
	if (v > (U64_MAX >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* Index of @s in @names, or -EINVAL. */
static int tdpr_parse_choice(const char *s, const char *const *names, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	return -EINVAL;
}

/*
 * Split "key=value" and check the key is known and new; returns its index
 * in @keys, and points *val at the value. @who names the file in messages.
 */
static int tdpr_parse_kv(const char *who, char *tok, const char *const *keys, int nr,
			 unsigned long *seen, char **val)
{
	char *eq = strchr(tok, '=');
	int k;

	if (!eq || eq == tok || !eq[1]) {
		pr_warn_ratelimited("%s: '%.40s' is not key=value\n", who, tok);
		return -EINVAL;
	}
	*eq = '\0';
	*val = eq + 1;
	k = tdpr_parse_choice(tok, keys, nr);
	if (k < 0) {
		pr_warn_ratelimited("%s: unknown key '%.40s'\n", who, tok);
		return -EINVAL;
	}
	if (__test_and_set_bit(k, seen)) {
		pr_warn_ratelimited("%s: %s= given twice\n", who, tok);
		return -EINVAL;
	}
	return k;
}

/* One number of "GFN NR"; @what is "GFN" or "NR". */
static int tdpr_parse_range_u64(const char *who, const char *what, const char *tok, u64 *out)
{
	if (!tdpr_parse_u64(tok, out))
		return 0;
	pr_warn_ratelimited("%s: %s '%.40s' is not a number below 2^64\n", who, what, tok);
	return -EINVAL;
}

int tdpr_parse_range(const char *who, char *buf, u64 nr_gfns, u64 *gfn, u64 *nr)
{
	char *a = tdpr_next_token(&buf);
	char *b = tdpr_next_token(&buf);
	char *c = tdpr_next_token(&buf);

	if (!b) {
		pr_warn_ratelimited("%s: '%.40s' is not GFN NR\n", who, a ? a : "");
		return -EINVAL;
	}
	if (c) {
		pr_warn_ratelimited("%s: '%.40s' after GFN NR\n", who, c);
		return -EINVAL;
	}
	if (tdpr_parse_range_u64(who, "GFN", a, gfn) || tdpr_parse_range_u64(who, "NR", b, nr))
		return -EINVAL;
	if (!*nr) {
		pr_warn_ratelimited("%s: NR is 0\n", who);
		return -EINVAL;
	}
	if (*gfn >= nr_gfns || *nr > nr_gfns - *gfn) {
		pr_warn_ratelimited("%s: GFN %llu NR %llu is not inside the guest's %llu frames\n",
				    who, *gfn, *nr, nr_gfns);
		return -EINVAL;
	}
	return 0;
}

bool tdpr_name_ok(const char *name)
{
	size_t i, len = strlen(name);
	bool ok = len && len < TDPR_NAME_MAX && isalpha(name[0]);

	for (i = 1; ok && i < len; i++)
		ok = isalnum(name[i]) || strchr("_.-", name[i]);
	if (!ok) {
		pr_warn_ratelimited("bad name '%.40s': a letter first, then up to %d of [A-Za-z0-9_.-]\n",
				    name, TDPR_NAME_MAX - 2);
		return false;
	}
	if (!strcmp(name, "create") || !strcmp(name, "destroy") || !strcmp(name, "stats")) {
		pr_warn_ratelimited("bad name '%s': a file of tdproot's has it\n", name);
		return false;
	}
	return true;
}

enum { K_MEM, K_BACKING, K_FORMAT, K_LEVELS, K_POLICY, K_HUGE, K_AD, K_VCPU, K_NR };

static const char *const tdpr_create_keys[K_NR] = {
	"mem", "backing", "format", "levels", "policy", "huge", "ad", "vcpu",
};

static const char *const tdpr_policy_names[TDPR_POLICY_NR] = { "seed", "pinned" };
static const char *const tdpr_huge_names[] = { NULL, "4k", "2m", "1g" };
static const char *const tdpr_level_names[] = { "4", "5" };
static const char *const tdpr_ad_names[] = { "0", "1" };
static const char *const tdpr_vcpu_names[] = { "sim", "svm" };

int tdpr_parse_create(char *buf, const char *name, struct tdpr_vm_params *p)
{
	unsigned long seen = 0;
	char who[48], *tok, *val;
	const char *want;
	int k, v;

	snprintf(who, sizeof(who), "create %s", name);
	*p = (struct tdpr_vm_params) {
		.mem_bytes = TDPR_DEFAULT_MEM,
		.format = TDPR_FMT_EPT,
		.levels = 4,
		.policy = TDPR_POLICY_SEED,
		.leaf_level = TDPR_PG_LEVEL_4K,
		.ad = true,
	};

	while ((tok = tdpr_next_token(&buf))) {
		k = tdpr_parse_kv(who, tok, tdpr_create_keys, K_NR, &seen, &val);
		switch (k) {
		case K_MEM:
			v = tdpr_parse_size(val, &p->mem_bytes);
			want = "a SIZE (digits, then K, M, G or T if you like; below 16E)";
			break;
		case K_BACKING:
			v = tdpr_parse_size(val, &p->backing_bytes);
			want = "a SIZE (digits, then K, M, G or T if you like; below 16E)";
			break;
		case K_FORMAT:
			v = tdpr_parse_choice(val, tdpr_format_names, TDPR_FMT_NR);
			p->format = v;
			want = "ept or npt";
			break;
		case K_LEVELS:
			v = tdpr_parse_choice(val, tdpr_level_names, ARRAY_SIZE(tdpr_level_names));
			p->levels = v + 4;
			want = "4 or 5";
			break;
		case K_POLICY:
			v = tdpr_parse_choice(val, tdpr_policy_names, TDPR_POLICY_NR);
			p->policy = v;
			want = "seed or pinned";
			break;
		case K_HUGE:
			v = tdpr_parse_choice(val, tdpr_huge_names, ARRAY_SIZE(tdpr_huge_names));
			p->leaf_level = v;
			want = "4k, 2m or 1g";
			break;
		case K_AD:
			v = tdpr_parse_choice(val, tdpr_ad_names, ARRAY_SIZE(tdpr_ad_names));
			p->ad = v == 1;
			want = "0 or 1";
			break;
		case K_VCPU:
			v = tdpr_parse_choice(val, tdpr_vcpu_names, ARRAY_SIZE(tdpr_vcpu_names));
			p->svm = v == 1;
			want = "sim or svm";
			break;
		default:
			return -EINVAL;	/* tdpr_parse_kv() said why */
		}
		if (v < 0) {
			pr_warn_ratelimited("%s: %s=%.40s is not %s\n", who, tok, val, want);
			return -EINVAL;
		}
	}
	if (!test_bit(K_BACKING, &seen))
		p->backing_bytes = p->mem_bytes;
	return 0;
}

enum { W_PATTERN, W_WRITE_PCT, W_FLIP_MS, W_FRAMES, W_NR };

static const char *const tdpr_workload_keys[W_NR] = {
	"pattern", "write_pct", "flip_ms", "frames",
};

int tdpr_parse_workload(const char *who, char *buf, struct tdpr_workload *wl)
{
	unsigned long seen = 0;
	char *tok, *val;
	u64 n;
	int k;

	*wl = (struct tdpr_workload) { .pattern = TDPR_PATTERN_IDLE };
	while ((tok = tdpr_next_token(&buf))) {
		k = tdpr_parse_kv(who, tok, tdpr_workload_keys, W_NR, &seen, &val);
		if (k < 0)
			return -EINVAL;	/* tdpr_parse_kv() said why */
		if (k == W_PATTERN) {
			k = tdpr_parse_choice(val, tdpr_pattern_names, TDPR_PATTERN_NR);
			if (k < 0)
				pr_warn_ratelimited("%s: pattern=%.40s is not idle, seq, random or hot\n",
						    who, val);
			wl->pattern = k;
		} else if (k == W_WRITE_PCT) {
			if (tdpr_parse_u64(val, &n) || n > 100) {
				pr_warn_ratelimited("%s: write_pct=%.40s is not 0..100\n",
						    who, val);
				k = -EINVAL;
			}
			wl->write_pct = n;
		} else if (k == W_FLIP_MS) {
			if (tdpr_parse_u64(val, &n) || n > TDPR_MAX_FLIP_MS) {
				pr_warn_ratelimited("%s: flip_ms=%.40s is not 0..%d\n",
						    who, val, TDPR_MAX_FLIP_MS);
				k = -EINVAL;
			}
			wl->flip_ms = n;
		} else if (k == W_FRAMES) {
			if (tdpr_parse_u64(val, &n)) {
				pr_warn_ratelimited("%s: frames=%.40s is not a number of frames\n",
						    who, val);
				k = -EINVAL;
			}
			wl->frames = n;
		}
		if (k < 0)
			return -EINVAL;
	}
	if (!test_bit(W_PATTERN, &seen)) {
		pr_warn_ratelimited("%s: pattern= is missing\n", who);
		return -EINVAL;
	}
	return 0;
}
