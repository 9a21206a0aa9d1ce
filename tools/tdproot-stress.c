// SPDX-License-Identifier: GPL-2.0
/*
 * tdproot-stress: drive a loaded tdproot module through debugfs. Creates a
 * VM, runs vCPUs and zapper threads against it, prints progress every
 * second and a summary, and fails on any integrity error, unbalanced
 * counter, failed write or kernel splat.
 */
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "tdp_util.h"

struct opts {
	double duration;
	int vcpus;
	const char *mem, *backing, *format, *levels, *policy, *huge, *pattern, *vcpu;
	int write_pct, flip_ms, frames, zappers, range_zappers, migrators, migrate_ms, dirty_ms;
	bool churn;
	unsigned int seed;
};

static struct opts o = {
	.duration = 30, .vcpus = 4, .mem = "1G", .backing = "16M", .format = "ept",
	.levels = "4", .policy = "seed", .huge = "4k", .pattern = "random",
	.write_pct = 20, .flip_ms = 10, .zappers = 1, .range_zappers = 1, .seed = 1,
	.migrators = 1, .migrate_ms = 20, .dirty_ms = 100, .vcpu = "sim",
};

static const char vm[] = "stress";
static const char churn_vm[] = "stress-churn";
static int stopping;	/* set once by the main thread */
static int write_failures;
static long long migrations, dirty_frames, dirty_reads;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: tdproot-stress [options]\n"
		"Drive a loaded tdproot module (/sys/kernel/debug/tdproot) with a stress run.\n"
		"\n"
		"  -d, --duration SEC      run time in seconds (default 30)\n"
		"  -v, --vcpus N           vCPU threads, 0..64 (default 4)\n"
		"  -m, --mem SIZE          guest memory, digits + K/M/G/T (default 1G)\n"
		"  -b, --backing SIZE      real memory behind it; guest frames alias it (default 16M)\n"
		"  -f, --format ept|npt    paging format (default ept; npt with --vcpu svm)\n"
		"  -l, --levels 4|5        paging levels (default 4; with --vcpu svm, the\n"
		"                          depth the CPU walks: 5 if the kernel uses LA57)\n"
		"  -V, --vcpu sim|svm      vCPUs walk in software, or run a guest on the CPU\n"
		"                          with the root as its nested page table (AMD SVM)\n"
		"  -p, --policy seed|pinned  root lifecycle policy (default seed)\n"
		"  -H, --huge 4k|2m|1g     leaf size (default 4k)\n"
		"  -P, --pattern idle|seq|random|hot  vCPU access pattern (default random)\n"
		"  -w, --write-pct N       percent of accesses that write, 0..100 (default 20)\n"
		"  -F, --flip-ms N         vCPUs switch address space every N ms, 0 = never (default 10)\n"
		"  -n, --frames N          the working set: the first N frames, 0 = all (default 0)\n"
		"  -z, --zappers N         threads issuing zap_all back to back (default 1)\n"
		"  -r, --range-zappers N   threads issuing random zap_range (default 1)\n"
		"  -M, --migrators N       threads moving random ranges to new pages (default 1)\n"
		"  -G, --migrate-ms N      each migrator's pause between migrations, ms (default 20)\n"
		"  -D, --dirty-ms N        read NAME/dirty every N ms, 0 = never (default 100)\n"
		"  -c, --churn             a thread destroys and recreates a second VM\n"
		"  -s, --seed N            seed for the zappers' random ranges (default 1)\n"
		"  -h, --help              this text\n"
		"\n"
		"Exit status: 0 pass, 1 fail (integrity error, unbalanced counters, failed\n"
		"write, kernel splat), 2 bad usage or no module. The last line is\n"
		"RESULT pass|fail key=value...\n");
}

static int parse_int(const char *s, int lo, int hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "tdproot-stress: --%s wants an integer in %d..%d, not '%s'\n",
			what, lo, hi, s);
		exit(2);
	}
	return v;
}

static const char *parse_choice(const char *s, const char *const *ok, const char *what)
{
	for (; *ok; ok++)
		if (!strcmp(s, *ok))
			return s;
	fprintf(stderr, "tdproot-stress: bad --%s '%s'\n", what, s);
	exit(2);
}

static const char *parse_size(const char *s, const char *what)
{
	size_t n = strspn(s, "0123456789");

	if (!n || (s[n] && (!strchr("KMGTkmgt", s[n]) || s[n + 1]))) {
		fprintf(stderr, "tdproot-stress: --%s wants digits + K/M/G/T, not '%s'\n", what, s);
		exit(2);
	}
	return s;
}

/* Whether the kernel runs with 5-level paging (it hides la57 otherwise). */
static bool host_la57(void)
{
	char *info = tdp_read("/proc/cpuinfo");
	bool la57 = info && strstr(info, " la57");

	free(info);
	return la57;
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", 1, 0, 'd' }, { "vcpus", 1, 0, 'v' }, { "mem", 1, 0, 'm' },
		{ "backing", 1, 0, 'b' }, { "format", 1, 0, 'f' }, { "levels", 1, 0, 'l' },
		{ "policy", 1, 0, 'p' }, { "huge", 1, 0, 'H' }, { "pattern", 1, 0, 'P' },
		{ "write-pct", 1, 0, 'w' }, { "flip-ms", 1, 0, 'F' }, { "frames", 1, 0, 'n' },
		{ "zappers", 1, 0, 'z' },
		{ "range-zappers", 1, 0, 'r' }, { "churn", 0, 0, 'c' }, { "seed", 1, 0, 's' },
		{ "migrators", 1, 0, 'M' }, { "migrate-ms", 1, 0, 'G' }, { "dirty-ms", 1, 0, 'D' },
		{ "vcpu", 1, 0, 'V' }, { "help", 0, 0, 'h' }, { 0 }
	};
	static const char *const formats[] = { "ept", "npt", NULL };
	static const char *const levels[] = { "4", "5", NULL };
	static const char *const policies[] = { "seed", "pinned", NULL };
	static const char *const huges[] = { "4k", "2m", "1g", NULL };
	static const char *const patterns[] = { "idle", "seq", "random", "hot", NULL };
	static const char *const vcpus[] = { "sim", "svm", NULL };
	bool format_given = false, levels_given = false;
	int c;

	while ((c = getopt_long(argc, argv, "d:v:m:b:f:l:p:H:P:w:F:n:z:r:cs:M:G:D:V:h",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.duration = parse_int(optarg, 1, 86400, "duration");
			break;
		case 'v':
			o.vcpus = parse_int(optarg, 0, 64, "vcpus");
			break;
		case 'm':
			o.mem = parse_size(optarg, "mem");
			break;
		case 'b':
			o.backing = parse_size(optarg, "backing");
			break;
		case 'f':
			o.format = parse_choice(optarg, formats, "format");
			format_given = true;
			break;
		case 'l':
			o.levels = parse_choice(optarg, levels, "levels");
			levels_given = true;
			break;
		case 'V':
			o.vcpu = parse_choice(optarg, vcpus, "vcpu");
			break;
		case 'p':
			o.policy = parse_choice(optarg, policies, "policy");
			break;
		case 'H':
			o.huge = parse_choice(optarg, huges, "huge");
			break;
		case 'P':
			o.pattern = parse_choice(optarg, patterns, "pattern");
			break;
		case 'w':
			o.write_pct = parse_int(optarg, 0, 100, "write-pct");
			break;
		case 'F':
			o.flip_ms = parse_int(optarg, 0, 60000, "flip-ms");
			break;
		case 'n':
			o.frames = parse_int(optarg, 0, INT_MAX, "frames");
			break;
		case 'z':
			o.zappers = parse_int(optarg, 0, 16, "zappers");
			break;
		case 'r':
			o.range_zappers = parse_int(optarg, 0, 16, "range-zappers");
			break;
		case 'M':
			o.migrators = parse_int(optarg, 0, 16, "migrators");
			break;
		case 'G':
			o.migrate_ms = parse_int(optarg, 0, 60000, "migrate-ms");
			break;
		case 'D':
			o.dirty_ms = parse_int(optarg, 0, 60000, "dirty-ms");
			break;
		case 'c':
			o.churn = true;
			break;
		case 's':
			o.seed = parse_int(optarg, 0, 1 << 30, "seed");
			break;
		case 'h':
			print_usage(stdout);
			exit(0);
		default:
			print_usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tdproot-stress: unexpected argument '%s'\n", argv[optind]);
		exit(2);
	}
	/* The CPU walks NPT, as deep as the host's own paging. */
	if (!strcmp(o.vcpu, "svm")) {
		if (!format_given)
			o.format = "npt";
		if (!levels_given)
			o.levels = host_la57() ? "5" : "4";
	}
}

static int checked(int ret, const char *what)
{
	if (ret) {
		pthread_mutex_lock(&fail_lock);
		write_failures++;
		pthread_mutex_unlock(&fail_lock);
		fprintf(stderr, "tdproot-stress: %s failed: %s\n", what, strerror(-ret));
	}
	return ret;
}

static void *zapper(void *arg)
{
	char file[64];

	snprintf(file, sizeof(file), "%s/zap_all", vm);
	while (!__atomic_load_n(&stopping, __ATOMIC_RELAXED))
		if (checked(tdp_writef(file, "1"), "zap_all"))
			break;
	return NULL;
}

static void *range_zapper(void *arg)
{
	unsigned int rnd = o.seed + (unsigned int)(uintptr_t)arg;
	long long nr = tdp_vm_stat(vm, "guest_frames");
	char file[64];

	snprintf(file, sizeof(file), "%s/zap_range", vm);
	while (!__atomic_load_n(&stopping, __ATOMIC_RELAXED) && nr > 0) {
		long long len = 1 + rand_r(&rnd) % 4096;
		long long gfn = ((long long)rand_r(&rnd) << 16 ^ rand_r(&rnd)) % nr;

		if (gfn + len > nr)
			len = nr - gfn;
		if (checked(tdp_writef(file, "%lld %lld", gfn, len), "zap_range"))
			break;
		usleep(1000);
	}
	return NULL;
}

static void *migrator(void *arg)
{
	unsigned int rnd = o.seed + 1000 + (unsigned int)(uintptr_t)arg;
	long long nr = tdp_vm_stat(vm, "guest_frames");
	char file[64];

	snprintf(file, sizeof(file), "%s/migrate", vm);
	while (!__atomic_load_n(&stopping, __ATOMIC_RELAXED) && nr > 0) {
		long long len = 1 + rand_r(&rnd) % 64;
		long long gfn = ((long long)rand_r(&rnd) << 16 ^ rand_r(&rnd)) % nr;

		if (gfn + len > nr)
			len = nr - gfn;
		if (checked(tdp_writef(file, "%lld %lld", gfn, len), "migrate"))
			break;
		__atomic_add_fetch(&migrations, 1, __ATOMIC_RELAXED);
		usleep(o.migrate_ms * 1000);
	}
	return NULL;
}

/* Read NAME/dirty once: add up its "frames N" line. */
static int read_dirty(void)
{
	char path[128], *buf;
	long long n;

	snprintf(path, sizeof(path), TDP_DIR "/%s/dirty", vm);
	buf = tdp_read(path);
	if (!buf || sscanf(buf, "frames %lld", &n) != 1) {
		free(buf);
		return checked(-EIO, "dirty");
	}
	free(buf);
	__atomic_add_fetch(&dirty_frames, n, __ATOMIC_RELAXED);
	__atomic_add_fetch(&dirty_reads, 1, __ATOMIC_RELAXED);
	return 0;
}

static void *dirty_reader(void *arg)
{
	while (!__atomic_load_n(&stopping, __ATOMIC_RELAXED) && !read_dirty())
		usleep(o.dirty_ms * 1000);
	return NULL;
}

static void *churner(void *arg)
{
	char file[64];

	while (!__atomic_load_n(&stopping, __ATOMIC_RELAXED)) {
		if (checked(tdp_writef("create", "%s mem=64M backing=2M policy=%s format=%s",
				       churn_vm, o.policy, o.format), "churn create"))
			break;
		snprintf(file, sizeof(file), "%s/workload", churn_vm);
		checked(tdp_writef(file, "pattern=random flip_ms=3"), "churn workload");
		snprintf(file, sizeof(file), "%s/vcpus", churn_vm);
		checked(tdp_writef(file, "2"), "churn vcpus");
		usleep(200000);
		if (checked(tdp_writef("destroy", "%s", churn_vm), "churn destroy"))
			break;
	}
	return NULL;
}

/*
 * Kernel messages that fail a run, read from /dev/kmsg since we started:
 * tests/splats.txt, the list boot.sh also judges the console by.
 */
static const char *const splats[] = {
#include "splats.h"
	NULL
};

static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static int kmsg_splats(int fd)
{
	char rec[8192];
	int found = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		const char *const *s;

		if (n <= 0)
			continue;
		rec[n] = '\0';
		for (s = splats; *s; s++) {
			if (strstr(rec, *s)) {
				fprintf(stderr, "tdproot-stress: kernel: %s",
					strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
				found++;
				break;
			}
		}
	}
	return found;
}

static void human(char *buf, size_t len, double v, const char *unit)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.1fG%s", v / 1e9, unit);
	else if (v >= 1e6)
		snprintf(buf, len, "%.1fM%s", v / 1e6, unit);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk%s", v / 1e3, unit);
	else
		snprintf(buf, len, "%.0f%s", v, unit);
}

static void human_ns(char *buf, size_t len, long long ns)
{
	if (ns >= 1000000000)
		snprintf(buf, len, "%.2fs", ns / 1e9);
	else if (ns >= 1000000)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.1fus", ns / 1e3);
}

static void progress(double start, long long *last_faults, double *last_t)
{
	double now = tdp_now();
	long long faults = tdp_vm_stat(vm, "faults");
	char fps[32], acc[32], hold[32];

	human(fps, sizeof(fps), (faults - *last_faults) / (now - *last_t), "");
	human(acc, sizeof(acc), tdp_vm_stat(vm, "accesses"), "");
	/* Exclusive holds are the ones that delay faults; shared ones block only writers. */
	human_ns(hold, sizeof(hold), tdp_vm_stat(vm, "max_lock_hold_exclusive_ns"));
	fprintf(stdout,
		"[%4.0fs] faults/s %7s  accesses %7s  zaps_all %5lld  zaps_range %6lld  migrated %6lld  roots %2lld  reloads %6lld  flips %6lld  max_excl_hold %s\n",
		now - start, fps, acc, tdp_vm_stat(vm, "zaps_all"), tdp_vm_stat(vm, "zaps_range"),
		tdp_vm_stat(vm, "migrated_frames"), tdp_vm_stat(vm, "roots_live"),
		tdp_vm_stat(vm, "vcpu_reloads"), tdp_vm_stat(vm, "role_flips"), hold);
	fflush(stdout);
	*last_faults = faults;
	*last_t = now;
}

static void print_file(const char *title, const char *file)
{
	char path[256], *buf;

	snprintf(path, sizeof(path), TDP_DIR "/%s", file);
	buf = tdp_read(path);
	printf("\n%s\n%s", title, buf ? buf : "(unreadable)\n");
	free(buf);
}

struct site_line {
	char name[32];
	long long holds, p99, max;
};

static int by_max_desc(const void *a, const void *b)
{
	const struct site_line *x = a, *y = b;

	return (y->max > x->max) - (y->max < x->max);
}

/* Name the code paths behind the longest mmu_lock holds, longest first. */
static void print_sites(const char *file)
{
	struct site_line sites[16];
	char path[256], *buf, *line, *save;
	int n = 0, i;

	snprintf(path, sizeof(path), TDP_DIR "/%s", file);
	buf = tdp_read(path);
	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line && n < 16;
	     line = strtok_r(NULL, "\n", &save)) {
		struct site_line *l = &sites[n];
		long long p50;

		if (line[0] != '#' && sscanf(line, "%31s %lld %lld %lld %lld", l->name, &l->holds,
					     &p50, &l->p99, &l->max) == 5 && l->holds)
			n++;
	}
	free(buf);
	qsort(sites, n, sizeof(sites[0]), by_max_desc);
	printf("\nmmu_lock holds by site, longest first (%s):\n", file);
	printf("  %-16s %12s %12s %12s\n", "site", "holds", "p99", "max");
	for (i = 0; i < n; i++) {
		char p99[32], max[32];

		human_ns(p99, sizeof(p99), sites[i].p99);
		human_ns(max, sizeof(max), sites[i].max);
		printf("  %-16s %12lld %12s %12s\n", sites[i].name, sites[i].holds, p99, max);
	}
	if (!n)
		printf("  (none recorded)\n");
}

int main(int argc, char **argv)
{
	pthread_t threads[64];
	int nthreads = 0, i, kmsg, splat_count;
	long long base_roots, base_pt, faults, zaps_all, zaps_range, reloads, integrity;
	long long hold, hold_shared, hold_excl;
	long long invariant, last_faults = 0, migrated, retries_inval, lost, guest, npf;
	double start, last_t, elapsed;
	char *stats;
	bool pass;
	struct stat st;

	parse_args(argc, argv);
	if (stat(TDP_DIR, &st)) {
		if (stat("/sys/kernel/debug/tracing", &st) && stat("/sys/kernel/debug", &st) == 0 &&
		    access("/proc/modules", F_OK) == 0)
			fprintf(stderr,
				"tdproot-stress: %s missing: is debugfs mounted (mount -t debugfs none /sys/kernel/debug) and tdproot loaded (sudo insmod tdproot.ko)?\n",
				TDP_DIR);
		else
			fprintf(stderr,
				"tdproot-stress: %s missing: load the module (sudo insmod tdproot.ko) and mount debugfs (sudo mount -t debugfs none /sys/kernel/debug)\n",
				TDP_DIR);
		return 2;
	}
	if (access(TDP_DIR "/create", W_OK)) {
		fprintf(stderr, "tdproot-stress: cannot write %s/create: run as root\n", TDP_DIR);
		return 2;
	}

	kmsg = kmsg_open();
	base_roots = tdp_stat("stats", "roots_live");
	base_pt = tdp_stat("stats", "pt_pages_live");

	fprintf(stdout,
		"tdproot-stress: %.0fs, %d %s vCPUs, mem=%s backing=%s %s/%s-level policy=%s huge=%s, pattern=%s write_pct=%d flip_ms=%d frames=%d, %d zappers, %d range zappers, %d migrators every %d ms, dirty log every %d ms%s\n",
		o.duration, o.vcpus, o.vcpu, o.mem, o.backing, o.format, o.levels, o.policy, o.huge,
		o.pattern, o.write_pct, o.flip_ms, o.frames, o.zappers, o.range_zappers,
		o.migrators, o.migrate_ms, o.dirty_ms, o.churn ? ", churn" : "");
	if (checked(tdp_writef("create",
			       "%s mem=%s backing=%s format=%s levels=%s policy=%s huge=%s vcpu=%s",
			       vm, o.mem, o.backing, o.format, o.levels, o.policy, o.huge, o.vcpu),
		    "create")) {
		fprintf(stdout,
			"RESULT fail duration_s=0 faults=0 zaps_all=0 zaps_range=0 reloads=0 max_lock_hold_ns=0 max_lock_hold_shared_ns=0 max_lock_hold_exclusive_ns=0 integrity_errors=0 migrations=0 migrated_frames=0 fault_retries_invalidate=0 dirty_frames=0 lost_writes=0 guest_accesses=0 npf_exits=0\n");
		return 1;
	}
	checked(tdp_writef("stress/workload", "pattern=%s write_pct=%d flip_ms=%d frames=%d",
			   o.pattern, o.write_pct, o.flip_ms, o.frames), "workload");
	checked(tdp_writef("stress/vcpus", "%d", o.vcpus), "vcpus");

	for (i = 0; i < o.zappers; i++)
		pthread_create(&threads[nthreads++], NULL, zapper, NULL);
	for (i = 0; i < o.range_zappers; i++)
		pthread_create(&threads[nthreads++], NULL, range_zapper, (void *)(uintptr_t)i);
	for (i = 0; i < o.migrators; i++)
		pthread_create(&threads[nthreads++], NULL, migrator, (void *)(uintptr_t)i);
	if (o.dirty_ms)
		pthread_create(&threads[nthreads++], NULL, dirty_reader, NULL);
	if (o.churn)
		pthread_create(&threads[nthreads++], NULL, churner, NULL);

	start = tdp_now();
	last_t = start;
	for (i = 1; i <= o.duration && !write_failures; i++) {
		double wait = start + i - tdp_now();

		if (wait > 0)
			usleep(wait * 1e6);
		progress(start, &last_faults, &last_t);
	}
	__atomic_store_n(&stopping, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	checked(tdp_writef("stress/vcpus", "0"), "stop vcpus");
	/* The last harvest: every frame written so far must be in a log. */
	if (o.dirty_ms)
		read_dirty();
	elapsed = tdp_now() - start;

	stats = tdp_read(TDP_DIR "/stress/stats");
	faults = tdp_vm_stat(vm, "faults");
	zaps_all = tdp_vm_stat(vm, "zaps_all");
	zaps_range = tdp_vm_stat(vm, "zaps_range");
	reloads = tdp_vm_stat(vm, "vcpu_reloads");
	hold = tdp_vm_stat(vm, "max_lock_hold_ns");
	hold_shared = tdp_vm_stat(vm, "max_lock_hold_shared_ns");
	hold_excl = tdp_vm_stat(vm, "max_lock_hold_exclusive_ns");
	integrity = tdp_vm_stat(vm, "integrity_errors");
	invariant = tdp_vm_stat(vm, "invariant_errors");
	migrated = tdp_vm_stat(vm, "migrated_frames");
	retries_inval = tdp_vm_stat(vm, "fault_retries_invalidate");
	lost = tdp_vm_stat(vm, "lost_writes");
	guest = tdp_vm_stat(vm, "guest_accesses");
	npf = tdp_vm_stat(vm, "npf_exits");
	printf("\nsummary (VM %s)\n", vm);
	printf("  %-22s %14lld\n  %-22s %14lld\n  %-22s %14lld\n  %-22s %14lld\n",
	       "migrations (writes)", migrations, "migrated_frames", migrated,
	       "dirty_reads", dirty_reads, "dirty frames harvested", dirty_frames);
	if (stats) {
		char *line, *save;

		for (line = strtok_r(stats, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char *sp = strchr(line, ' ');

			if (sp) {
				*sp = '\0';
				printf("  %-22s %14s\n", line, sp + 1);
			}
		}
		free(stats);
	}
	print_file("exclusive lock holds (mmu_lock for write: faults wait for these):",
		   "stress/hist/lock_hold_exclusive");
	print_file("shared lock holds (mmu_lock for read: only writers wait):",
		   "stress/hist/lock_hold_shared");
	print_file("vCPU stalls (reload request -> next access):", "stress/hist/vcpu_stall");
	print_sites("stress/hist/lock_hold_by_site");

	checked(tdp_writef("destroy", "%s", vm), "destroy");
	if (o.churn)
		tdp_writef("destroy", "%s", churn_vm);

	pass = true;
	if (lost) {
		fprintf(stderr, "tdproot-stress: %lld written frames missing from the dirty log\n",
			lost);
		pass = false;
	}
	if (integrity || invariant) {
		fprintf(stderr, "tdproot-stress: %lld integrity and %lld invariant errors\n",
			integrity, invariant);
		pass = false;
	}
	if (tdp_stat("stats", "roots_live") != base_roots ||
	    tdp_stat("stats", "pt_pages_live") != base_pt) {
		fprintf(stderr,
			"tdproot-stress: counters unbalanced after destroy: roots_live %lld (was %lld), pt_pages_live %lld (was %lld)\n",
			tdp_stat("stats", "roots_live"), base_roots,
			tdp_stat("stats", "pt_pages_live"), base_pt);
		pass = false;
	}
	if (write_failures) {
		fprintf(stderr, "tdproot-stress: %d failed writes\n", write_failures);
		pass = false;
	}
	if (!strcmp(o.vcpu, "svm") && o.vcpus && strcmp(o.pattern, "idle") &&
	    (guest <= 0 || npf <= 0)) {
		fprintf(stderr,
			"tdproot-stress: the hardware guests made %lld accesses, %lld NPF exits\n",
			guest, npf);
		pass = false;
	}
	splat_count = kmsg_splats(kmsg);
	if (splat_count) {
		fprintf(stderr, "tdproot-stress: %d kernel splats in dmesg\n", splat_count);
		pass = false;
	}
	fprintf(stdout,
		"\nRESULT %s duration_s=%.0f faults=%lld zaps_all=%lld zaps_range=%lld reloads=%lld max_lock_hold_ns=%lld max_lock_hold_shared_ns=%lld max_lock_hold_exclusive_ns=%lld integrity_errors=%lld migrations=%lld migrated_frames=%lld fault_retries_invalidate=%lld dirty_frames=%lld lost_writes=%lld guest_accesses=%lld npf_exits=%lld\n",
		pass ? "pass" : "fail", elapsed, faults, zaps_all, zaps_range, reloads, hold,
		hold_shared, hold_excl, integrity, migrations, migrated, retries_inval,
		dirty_frames, lost, guest, npf);
	return pass ? 0 : 1;
}
