/* SPDX-License-Identifier: GPL-2.0 */
/* Lifecycle events of the "tdproot" trace system. */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tdproot

#if !defined(_TDPROOT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TDPROOT_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#include <tdproot/mmu.h>

DECLARE_EVENT_CLASS(tdproot_root_class,
		    TP_PROTO(const char *vm, u64 id, int as_id, unsigned int refcount),
	TP_ARGS(vm, id, as_id, refcount),
	TP_STRUCT__entry(
		__array(char, vm, TDPR_NAME_MAX)
		__field(u64, id)
		__field(int, as_id)
		__field(unsigned int, refcount)
	),
	TP_fast_assign(
		strscpy(__entry->vm, vm, TDPR_NAME_MAX);
		__entry->id = id;
		__entry->as_id = as_id;
		__entry->refcount = refcount;
	),
	TP_printk("vm=%s root=%llu as=%d refcount=%u",
		  __entry->vm, __entry->id, __entry->as_id, __entry->refcount)
);

/*
 * Stored as a number: perf and trace-cmd decode the raw buffer themselves,
 * and the enum's values are exported so the format file shows numbers.
 */
TRACE_DEFINE_ENUM(TDPR_FMT_EPT);
TRACE_DEFINE_ENUM(TDPR_FMT_NPT);

/* tdpr_format_names[] as __print_symbolic() wants it: literal pairs. */
#define tdpr_trace_format_names			\
	{ TDPR_FMT_EPT,	"ept" },		\
	{ TDPR_FMT_NPT,	"npt" }

TRACE_EVENT(tdproot_root_alloc,
	    TP_PROTO(const char *vm, u64 id, int as_id, unsigned int refcount,
		 u8 format, int levels),
	TP_ARGS(vm, id, as_id, refcount, format, levels),
	TP_STRUCT__entry(
		__array(char, vm, TDPR_NAME_MAX)
		__field(u64, id)
		__field(int, as_id)
		__field(unsigned int, refcount)
		__field(u8, format)
		__field(int, levels)
	),
	TP_fast_assign(
		strscpy(__entry->vm, vm, TDPR_NAME_MAX);
		__entry->id = id;
		__entry->as_id = as_id;
		__entry->refcount = refcount;
		__entry->format = format;
		__entry->levels = levels;
	),
	TP_printk("vm=%s root=%llu as=%d refcount=%u role=%s/%d",
		  __entry->vm, __entry->id, __entry->as_id, __entry->refcount,
		  __print_symbolic(__entry->format, tdpr_trace_format_names),
		  __entry->levels)
);

DEFINE_EVENT(tdproot_root_class, tdproot_root_invalidate,
	     TP_PROTO(const char *vm, u64 id, int as_id, unsigned int refcount),
	TP_ARGS(vm, id, as_id, refcount));

DEFINE_EVENT(tdproot_root_class, tdproot_root_zap_begin,
	     TP_PROTO(const char *vm, u64 id, int as_id, unsigned int refcount),
	TP_ARGS(vm, id, as_id, refcount));

TRACE_EVENT(tdproot_root_zap_end,
	    TP_PROTO(const char *vm, u64 id, int as_id, unsigned int refcount,
		 u64 leaves, u64 duration_ns),
	TP_ARGS(vm, id, as_id, refcount, leaves, duration_ns),
	TP_STRUCT__entry(
		__array(char, vm, TDPR_NAME_MAX)
		__field(u64, id)
		__field(int, as_id)
		__field(unsigned int, refcount)
		__field(u64, leaves)
		__field(u64, duration_ns)
	),
	TP_fast_assign(
		strscpy(__entry->vm, vm, TDPR_NAME_MAX);
		__entry->id = id;
		__entry->as_id = as_id;
		__entry->refcount = refcount;
		__entry->leaves = leaves;
		__entry->duration_ns = duration_ns;
	),
	TP_printk("vm=%s root=%llu as=%d refcount=%u leaves=%llu duration_ns=%llu",
		  __entry->vm, __entry->id, __entry->as_id, __entry->refcount,
		  __entry->leaves, __entry->duration_ns)
);

TRACE_EVENT(tdproot_root_free,
	    TP_PROTO(const char *vm, u64 id, int as_id, u64 pt_pages),
	TP_ARGS(vm, id, as_id, pt_pages),
	TP_STRUCT__entry(
		__array(char, vm, TDPR_NAME_MAX)
		__field(u64, id)
		__field(int, as_id)
		__field(u64, pt_pages)
	),
	TP_fast_assign(
		strscpy(__entry->vm, vm, TDPR_NAME_MAX);
		__entry->id = id;
		__entry->as_id = as_id;
		__entry->pt_pages = pt_pages;
	),
	TP_printk("vm=%s root=%llu as=%d pt_pages=%llu",
		  __entry->vm, __entry->id, __entry->as_id, __entry->pt_pages)
);

/* A vCPU's first access after a reload request: how long it went without. */
TRACE_EVENT(tdproot_vcpu_stall,
	    TP_PROTO(const char *vm, u64 stall_ns),
	TP_ARGS(vm, stall_ns),
	TP_STRUCT__entry(
		__array(char, vm, TDPR_NAME_MAX)
		__field(u64, stall_ns)
	),
	TP_fast_assign(
		strscpy(__entry->vm, vm, TDPR_NAME_MAX);
		__entry->stall_ns = stall_ns;
	),
	TP_printk("vm=%s stall_ns=%llu", __entry->vm, __entry->stall_ns)
);

TRACE_EVENT(tdproot_zap_yield,
	    TP_PROTO(const char *vm, u64 gfn, int level, u64 held_ns),
	TP_ARGS(vm, gfn, level, held_ns),
	TP_STRUCT__entry(
		__array(char, vm, TDPR_NAME_MAX)
		__field(u64, gfn)
		__field(int, level)
		__field(u64, held_ns)
	),
	TP_fast_assign(
		strscpy(__entry->vm, vm, TDPR_NAME_MAX);
		__entry->gfn = gfn;
		__entry->level = level;
		__entry->held_ns = held_ns;
	),
	TP_printk("vm=%s gfn=0x%llx level=%d held_ns=%llu",
		  __entry->vm, __entry->gfn, __entry->level, __entry->held_ns)
);

#endif /* _TDPROOT_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE tdproot_trace
#include <trace/define_trace.h>
