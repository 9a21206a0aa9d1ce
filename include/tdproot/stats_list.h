/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters, in the order NAME/stats prints them. No include guard: each
 * user defines TDPR_STAT(name) and includes the list (as KVM does with
 * kvm-x86-ops.h); stats.h makes the enum of it, stats.c the names.
 */
TDPR_STAT(roots_allocated)
TDPR_STAT(roots_freed)
TDPR_STAT(pt_pages_allocated)
TDPR_STAT(pt_pages_freed)
TDPR_STAT(pt_free_ns)
TDPR_STAT(leaf_sptes)
TDPR_STAT(faults)
TDPR_STAT(fault_retries)
TDPR_STAT(spurious_faults)
TDPR_STAT(zaps_all)
TDPR_STAT(zaps_range)
TDPR_STAT(root_zaps)
TDPR_STAT(root_zap_ns)
TDPR_STAT(zap_yields)
TDPR_STAT(root_invalidations)
TDPR_STAT(vcpu_reloads)
TDPR_STAT(role_flips)
TDPR_STAT(tlb_flushes)
TDPR_STAT(accesses)
TDPR_STAT(vmruns)
TDPR_STAT(npf_exits)
TDPR_STAT(guest_accesses)
TDPR_STAT(emulator_faults)
TDPR_STAT(invalidations)
TDPR_STAT(fault_retries_invalidate)
TDPR_STAT(migrated_frames)
TDPR_STAT(dirty_frames)
TDPR_STAT(lost_writes)
TDPR_STAT(integrity_errors)
TDPR_STAT(invariant_errors)
TDPR_STAT(max_lock_hold_shared_ns)
TDPR_STAT(max_lock_hold_exclusive_ns)
TDPR_STAT(max_lock_wait_exclusive_ns)
TDPR_STAT(max_zap_step_ns)

#undef TDPR_STAT
