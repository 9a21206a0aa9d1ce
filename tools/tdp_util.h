/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace helpers for tdproot's debugfs interface, shared by the test
 * suite and tdproot-stress.
 */
#ifndef TDP_UTIL_H
#define TDP_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TDP_DIR "/sys/kernel/debug/tdproot"

/* Write @len bytes to @path in one write(); 0 or -errno. */
static inline int tdp_write_raw(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

static inline int tdp_write(const char *path, const char *s)
{
	return tdp_write_raw(path, s, strlen(s));
}

/* printf-style: tdp_writef("vm/zap_range", "%d %d", a, b). Paths are relative to TDP_DIR. */
static inline int tdp_writef(const char *file, const char *fmt, ...)
{
	char path[256], buf[512];
	va_list ap;

	snprintf(path, sizeof(path), TDP_DIR "/%s", file);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return tdp_write(path, buf);
}

/* Read a whole file into a malloc'd NUL-terminated buffer, or NULL (errno set). */
static inline char *tdp_read(const char *path)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || !buf) {
		int e = errno;

		free(buf);
		if (fd >= 0)
			close(fd);
		errno = e;
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				break;
			buf = nb;
		}
	}
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* Value of "key value" in a stats file; -1 if absent or unreadable. */
static inline long long tdp_stat(const char *file, const char *key)
{
	char path[256], *buf, *line;
	long long v = -1;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), TDP_DIR "/%s", file);
	buf = tdp_read(path);
	if (!buf)
		return -1;
	for (line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	}
	free(buf);
	return v;
}

static inline long long tdp_vm_stat(const char *vm, const char *key)
{
	char file[128];

	snprintf(file, sizeof(file), "%s/stats", vm);
	return tdp_stat(file, key);
}

static inline double tdp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Poll until stats key of @vm reaches @min, at most @secs; returns the value. */
static inline long long tdp_wait_stat(const char *vm, const char *key, long long min,
				      double secs)
{
	double end = tdp_now() + secs;
	long long v;

	while ((v = tdp_vm_stat(vm, key)) < min && tdp_now() < end)
		usleep(10000);
	return v;
}

#endif /* TDP_UTIL_H */
