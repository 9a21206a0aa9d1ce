/*
 * tdproot root lifecycle: a Promela model of src/root.c, src/zap.c, src/pt.c,
 * src/fault.c, src/vcpu.c and the mmu_lock yield of src/walk.c/src/lock.c.
 *
 *   spin -a [-DPOLICY_PINNED] [-DMUTANT_<name>] [-DNV=.. -DNR=.. ...] tdproot.pml
 *
 * Policies: seed (default) and pinned (-DPOLICY_PINNED), as vm->p.policy.
 * Mutants: -DMUTANT_<name> mirrors #ifdef TDPROOT_MUTANT_<name> in the C code
 * (rezap_invalid, dec_not_one, reader_gets_invalid, put_before_zap,
 * free_without_rcu, missed_invalidate); yield_same_gfn is model-only (it
 * drops the "never yield twice at one GFN" rule of tdp_iter_cond_resched()).
 *
 * Every step names the C function it models as "C: <file> <function>()";
 * tests/model/check-names.sh checks that those functions still exist.
 *
 * Abstractions (see README.md): a root is a slot 0..NR-1 that is never
 * reused; slot k has id k+1. A zap is ZAP_STEPS chunks with a possible
 * yield before each. An RCU callback runs as soon as its grace period is
 * over, i.e. in the step where the last pre-existing reader leaves its
 * read-side section (the earliest legal moment, which only widens the
 * window for use-after-free). roots_lock critical sections contain no
 * blocking step and are modelled as d_steps.
 */

#ifndef NV
#define NV		2	/* vCPU threads */
#endif
#ifndef NR
#define NR		4	/* root allocations (slots, never reused) */
#endif
#ifndef ITERS
#define ITERS		2	/* iterations of each vCPU's main loop */
#endif
#ifndef FLIPS
#define FLIPS		1	/* address-space flips per vCPU */
#endif
#ifndef ZAP_STEPS
#define ZAP_STEPS	2	/* chunks of a whole-root zap (the two passes) */
#endif
#ifndef LEAF_STEPS
#define LEAF_STEPS	1	/* chunks of a zap_range leaf zap */
#endif

#define NIL		255
#define ZA		NV		/* rcu-reader id of the zap_all task */
#define ZR		(NV + 1)	/* rcu-reader id of the zap_range task */
#define BIT(me)		(1 << (me))

/* ---- property names: an assertion prints the name of what it violates */
hidden byte use_after_free;		/* a reference holder touched a freed root */
hidden byte rcu_reader_sees_freed_root;	/* a list walker touched a freed root */
hidden byte rcu_walk_outside_rcu;	/* list walked outside rcu_read_lock */
hidden byte ref_holder_sees_zero_count;	/* holds a reference, count is 0 */
hidden byte refcount_underflow;
hidden byte refcount_set_not_from_zero;	/* 0->1 only in the seed's last put */
hidden byte free_with_live_reference;
hidden byte freed_while_listed;
hidden byte freed_without_one_zap;	/* each root zapped exactly once before free */
hidden byte zapped_exactly_once;	/* a second whole-root zap */
hidden byte zap_of_valid_root;
hidden byte zap_without_own_reference;	/* the zapper's reference held for the whole zap */
hidden byte last_put_of_valid_root;	/* pinned: only an invalid root is last-put */
hidden byte invalidate_saw_dead_root;	/* a listed valid root with count 0 under write lock */
hidden byte reader_got_invalid_root;	/* tdp_root_load() handed out an invalid root */
hidden byte spte_in_invalid_root;
hidden byte flagged_root_unzapped_at_return; /* zap_all returned, a root it invalidated unzapped */
hidden byte stale_valid_root_after_zap_all;  /* a root older than the invalidation still valid */
hidden byte stale_root_in_use_after_zap_all; /* a vCPU still on a pre-invalidation root */
hidden byte leak_at_end;		/* all users gone, destroy done: a root not freed */
hidden byte yield_inside_rcu;		/* nested rcu_read_lock / sleeping in RCU */

#define PROP(name, cond)	assert((cond) || name)

/* tdp_clients_caught_up(): a registered vCPU has seen the reload request */
#define ACKED(v)	(!registered[v] || seen[v] >= target)
#if NV == 1
#define ALL_ACKED	(ACKED(0))
#elif NV == 2
#define ALL_ACKED	(ACKED(0) && ACKED(1))
#elif NV == 3
#define ALL_ACKED	(ACKED(0) && ACKED(1) && ACKED(2))
#else
#define ALL_ACKED	(ACKED(0) && ACKED(1) && ACKED(2) && ACKED(3))
#endif

/* ---- state --------------------------------------------------------------- */

/* mmu_lock, an rwlock */
byte readers;
bit writer;

/* vm->roots: head and ->next of each root (RCU list, new roots at the head) */
byte head = NIL;
byte nxt[NR];
bit listed[NR];
byte nalloc;			/* slots used = atomic64 next_root_id */
byte avail = NR;		/* slots not yet reserved by a loader's kzalloc */

/* struct tdp_root */
byte cnt[NR];			/* refcount_t count */
bit inval[NR];			/* invalid, set by xchg, never cleared */
bit tozap[NR];			/* to_zap */
byte zaps[NR];			/* atomic_t zaps */
bit asid[NR];			/* role.as_id */
bit freed[NR];

/* RCU: readers inside a read-side section, callbacks and their grace periods */
byte rcu_in;			/* bit per task */
bit pend[NR];			/* call_rcu queued, callback not run */
byte gp[NR];			/* readers the callback still waits for */

/* requests to vCPUs (reload only; TLB flush requests are not modelled) */
byte reload_seq;
byte seen[NV];
bit registered[NV];
byte vroot[NV];			/* struct tdp_vcpu .root */

/* ghosts */
bit zaflag[NR];			/* invalidated by the running zap_all */
bit zref[NR];			/* zap_all still owns the reference it zaps under */
bit za_busy;			/* a zap_all is between its first lock and return */

/* ---- locks --------------------------------------------------------------- */

/* C: src/lock.c tdp_lock_acquire() */
inline read_lock()	{ atomic { !writer -> readers++ } }
inline write_lock()	{ atomic { !writer && readers == 0 -> writer = 1 } }
/* C: src/lock.c tdp_lock_release() */
inline read_unlock()	{ readers-- }
inline write_unlock()	{ writer = 0 }
inline mmu_lock(sh)	{ if :: sh -> read_lock() :: else -> write_lock() fi }
inline mmu_unlock(sh)	{ if :: sh -> read_unlock() :: else -> write_unlock() fi }

/* C: src/lock.c tdp_lock_yield(): cond_resched_rwlock_{read,write} */
inline mmu_yield(sh)	{ mmu_unlock(sh); mmu_lock(sh) }

/* ---- RCU ----------------------------------------------------------------- */

/* C: src/root.c tdp_root_free_rcu() -- the callback, after the grace period */
inline root_free_rcu(x) {
	PROP(freed_while_listed, !listed[x]);
	PROP(freed_without_one_zap, zaps[x] == 1);
	PROP(free_with_live_reference, cnt[x] == 0);
	freed[x] = 1; pend[x] = 0; gp[x] = 0
}

inline rcu_lock(me) {
	PROP(yield_inside_rcu, (rcu_in & BIT(me)) == 0);
	rcu_in = rcu_in | BIT(me)
}

/* Leaving the read side ends the grace period of callbacks that waited only for us. */
inline rcu_unlock(me) {
	d_step {
		rcu_in = rcu_in & ~BIT(me);
		k = 0;
		do
		:: k < NR ->
			if
			:: pend[k] && (gp[k] & BIT(me)) ->
				gp[k] = gp[k] & ~BIT(me);
				if :: gp[k] == 0 -> root_free_rcu(k) :: else fi
			:: else
			fi;
			k++
		:: else -> break
		od;
		k = 0
	}
}

/* C: src/pt.c tdp_free_deferred(): call_rcu(), waits for readers already inside */
inline free_deferred(me, x) {
	d_step {
#ifdef MUTANT_free_without_rcu
		root_free_rcu(x)
#else
		pend[x] = 1; gp[x] = rcu_in;
		if :: gp[x] == 0 -> root_free_rcu(x) :: else fi
#endif
	}
}

/* A walker inside rcu_read_lock() reads a root it found on the list. */
#define TOUCH_RCU(me, x)	PROP(rcu_walk_outside_rcu, rcu_in & BIT(me)); \
				PROP(rcu_reader_sees_freed_root, !freed[x])
/* A task that holds a reference uses the root. */
#define TOUCH_REF(x)		PROP(use_after_free, !freed[x]); \
				PROP(ref_holder_sees_zero_count, cnt[x] > 0)

/* NO_OWN_REF_CHECK: drop the ownership check, to see what else breaks. */
#ifdef NO_OWN_REF_CHECK
#define OWN_REF(own)	skip
#else
#define OWN_REF(own)	PROP(zap_without_own_reference, own)
#endif

/* ---- whole-root zap ------------------------------------------------------ */

/*
 * C: src/pt.c tdp_zap_root(): two passes over the root under RCU, yielding
 * mmu_lock in mode sh at a contended GFN. own: the zapper still owns the
 * reference the zap is done under.
 */
inline zap_root(me, x, sh, own) {
	atomic {
		TOUCH_REF(x);
		PROP(zap_of_valid_root, inval[x]);
		PROP(zapped_exactly_once, zaps[x] == 0);
		OWN_REF(own);
		zaps[x]++;
		rcu_lock(me)
	}
	zp = 0; yl = 0;
	do
	:: zp < ZAP_STEPS ->
		if
#ifdef MUTANT_yield_same_gfn
		:: true ->
#else
		:: !yl ->
#endif
			/* C: src/walk.c tdp_iter_cond_resched() */
			rcu_unlock(me); mmu_yield(sh); rcu_lock(me);
			yl = 1
		:: true ->
			/* C: src/pt.c tdp_zap_root_level() */
			atomic {
				TOUCH_REF(x);
				PROP(zap_without_own_reference, own);
zp++; yl = 0
			}
		fi
	:: else -> break
	od;
	zp = 0;
	rcu_unlock(me)
}

/* ---- list ---------------------------------------------------------------- */

/* C: src/root.c tdp_put_root(): list_del_rcu under roots_lock */
inline list_del(x) {
	d_step {
		if
		:: head == x -> head = nxt[x]
		:: else ->
			k = head;
			do
			:: nxt[k] == x -> nxt[k] = nxt[x]; break
			:: else -> k = nxt[k]
			od
		fi;
		listed[x] = 0;	/* nxt[x] is kept: walkers inside RCU may follow it */
		k = 0
	}
}

/* ---- references ---------------------------------------------------------- */

/*
 * C: src/root.c tdp_put_root(), caller holds mmu_lock in mode sh.
 * seed: the last put of a valid root xchg's invalid, sets the count back to
 * 1, zaps with yields and puts again; the last put of an invalid root
 * unlinks it and frees it after a grace period. pinned: no zap in put.
 */
inline put_root(me, x, sh) {
	again = 1;
	do
	:: again ->
		atomic {
			PROP(use_after_free, !freed[x]);
			PROP(refcount_underflow, cnt[x] > 0);
#ifdef MUTANT_dec_not_one
			/* refcount_dec_not_one(): no decrement when 1 */
			if :: cnt[x] != 1 -> cnt[x]--; last = 0 :: else -> last = 1 fi
#else
			/* refcount_dec_and_test() */
			cnt[x]--; last = (cnt[x] == 0)
#endif
		}
		if
		:: !last -> again = 0
		:: else ->
#ifdef POLICY_PINNED
			again = 0; freeit = 1
#else
			/* xchg(&root->invalid, true) */
			atomic { PROP(use_after_free, !freed[x]); was = inval[x]; inval[x] = 1 }
			if
			:: was -> again = 0; freeit = 1
			:: else ->
				/* refcount_set(&root->count, 1): the sanctioned 0->1 */
				atomic {
					PROP(use_after_free, !freed[x]);
					PROP(refcount_set_not_from_zero, cnt[x] == 0);
					cnt[x] = 1
				}
				zap_root(me, x, sh, 1)
				/* goto again */
			fi
#endif
		fi
	:: else -> break
	od;
	last = 0; was = 0;
	if
	:: freeit ->
		freeit = 0;
#ifdef MUTANT_rezap_invalid
		/* C: src/root.c tdp_put_root() mutant: zap the zapped root again */
		atomic { PROP(use_after_free, !freed[x]); cnt[x] = 1 }
		zap_root(me, x, sh, 1);
		atomic { PROP(refcount_underflow, cnt[x] > 0); cnt[x]--; freeit = (cnt[x] == 0) }
		if
		:: freeit ->
			freeit = 0;
#endif
#ifdef MUTANT_dec_not_one
		atomic { PROP(use_after_free, !freed[x]); cnt[x] = 0 }	/* refcount_set(0) */
#endif
		/* TDP_WARN(!invalid) / TDP_WARN(zaps != 1) */
		atomic {
			PROP(use_after_free, !freed[x]);
			PROP(last_put_of_valid_root, inval[x]);
			PROP(freed_without_one_zap, zaps[x] == 1)
		}
		list_del(x);
		free_deferred(me, x)
#ifdef MUTANT_rezap_invalid
		:: else
		fi
#endif
	:: else
	fi
}

/*
 * C: src/root.c tdp_get_root(): readers never keep a reference to an invalid
 * root: inc_not_zero, then re-check invalid and put back. ok: got it.
 */
inline get_root(me, x, sh) {
#ifndef MUTANT_reader_gets_invalid
	atomic { TOUCH_RCU(me, x); ok = !inval[x] }
	if
	:: ok ->
#endif
		/* refcount_inc_not_zero() */
		atomic { TOUCH_RCU(me, x); if :: cnt[x] > 0 -> cnt[x]++; ok = 1 :: else -> ok = 0 fi }
#ifndef MUTANT_reader_gets_invalid
		if
		:: ok && inval[x] ->	/* smp_rmb(); READ_ONCE(root->invalid) */
			ok = 0;
			put_root(me, x, sh)
		:: else
		fi
	:: else
	fi
#endif
}

/*
 * C: src/root.c tdp_root_iter_next() for for_each_tdp_root_yield_safe (all
 * roots, invalid ones included: inc_not_zero without the invalid check).
 * cur: the referenced current root or NIL; on return the next one.
 */
inline iter_next(me, sh) {
	atomic {
		rcu_lock(me);
		if
		:: cur != NIL -> TOUCH_REF(cur); nx = nxt[cur]	/* list_next_or_null_rcu */
		:: else -> nx = head				/* list_first_or_null_rcu */
		fi
	}
	do
	:: nx == NIL -> break
	:: else ->
		atomic {
			TOUCH_RCU(me, nx);
			if
			:: cnt[nx] > 0 -> cnt[nx]++; break	/* refcount_inc_not_zero */
			:: else -> nx = nxt[nx]
			fi
		}
	od;
	rcu_unlock(me);
	if
	:: cur != NIL -> put_root(me, cur, sh)
	:: else
	fi;
	cur = nx; nx = NIL
}

/* ---- loading a root ------------------------------------------------------ */

/*
 * C: src/root.c tdp_root_load(): allocate ahead (may fail), then under
 * mmu_lock for read: find a valid root of the role, else under roots_lock
 * recheck and list_add_rcu a new one. Result in vroot[me] (NIL: -ENOMEM).
 */
inline root_load(me, as) {
	atomic { if :: avail > 0 -> avail--; ok = 1 :: else -> ok = 0 fi }	/* kzalloc */
	if
	:: ok ->
		read_lock();
		do
		:: true ->
			/* C: src/root.c tdp_find_valid_root() */
			ok = 0;
			atomic { rcu_lock(me); nx = head }
			do
			:: nx == NIL -> break
			:: else ->
				atomic { TOUCH_RCU(me, nx); fl = (asid[nx] == as) }
				if
				:: fl -> fl = 0; get_root(me, nx, 1)
				:: else
				fi;
				if
				:: ok -> break
				:: else -> atomic { TOUCH_RCU(me, nx); nx = nxt[nx] }
				fi
			od;
			rcu_unlock(me);
			if
			:: ok -> vroot[me] = nx; avail++; break		/* kfree(new) */
			:: else
			fi;
			/* spin_lock(roots_lock); tdp_valid_root_listed(); list_add_rcu() */
			d_step {
				k = head;
				do
				:: k == NIL -> break
				:: k != NIL && asid[k] == as && !inval[k] -> break
				:: else -> k = nxt[k]
				od;
				if
				:: k != NIL -> ok = 0		/* goto retry */
				:: else ->
					nx = nalloc; nalloc++;
#ifdef POLICY_PINNED
					cnt[nx] = 2;	/* the caller's and the MMU's */
#else
					cnt[nx] = 1;
#endif
					asid[nx] = as; listed[nx] = 1;
					nxt[nx] = head; head = nx;
					vroot[me] = nx; ok = 1
				fi;
				k = 0
			}
			if
			:: ok -> break
			:: else
			fi
		od;
		/* still under mmu_lock: what a reader got is valid */
		atomic { PROP(reader_got_invalid_root, !inval[vroot[me]]); ok = 0; nx = NIL }
		read_unlock()
	:: else -> vroot[me] = NIL
	fi
}

/* ---- zap_all ------------------------------------------------------------- */

/* C: src/zap.c tdp_vm_zap_all() (the zap_all_mutex makes it one task) */
inline zap_all(me) {
	write_lock();
	/* C: src/zap.c tdp_invalidate_roots() */
	d_step {
		za_busy = 1;
		gen = nalloc;
		k = head;
		do
		:: k == NIL -> break
		:: else ->
			if
			:: inval[k] -> skip	/* the seed's last put owns its zap */
#ifdef MUTANT_missed_invalidate
			:: !inval[k] && k + 1 == nalloc -> skip	/* the newest root escapes */
#endif
			:: else ->
#ifndef POLICY_PINNED
				PROP(invalidate_saw_dead_root, cnt[k] > 0);
				cnt[k]++;	/* a new reference for the zap */
#endif
				/* pinned: the MMU's own reference passes to the zap */
				inval[k] = 1; tozap[k] = 1;
				zaflag[k] = 1; zref[k] = 1
			fi;
			k = nxt[k]
		od;
		k = 0;
		reload_seq++;	/* atomic64_inc_return(&vm->reload_seq) */
		target = reload_seq
	}
	write_unlock();

	read_lock();
	/* C: src/zap.c tdp_zap_invalidated_roots() */
	cur = NIL;
	iter_next(me, 1);
	do
	:: cur == NIL -> break
	:: else ->
		atomic { TOUCH_REF(cur); fl = tozap[cur]; tozap[cur] = 0 }	/* xchg(&root->to_zap, false) */
		if
		:: fl ->
			fl = 0;
#ifdef MUTANT_put_before_zap
			zref[cur] = 0;
			put_root(me, cur, 1);
			zap_root(me, cur, 1, zref[cur]);
#else
			zap_root(me, cur, 1, zref[cur]);
			zref[cur] = 0;
			put_root(me, cur, 1);
#endif
		:: else
		fi;
		iter_next(me, 1)
	od;
	read_unlock();

	/* what zap_all promises when its zap phase is over */
	d_step {
		k = 0;
		do
		:: k < NR ->
			PROP(flagged_root_unzapped_at_return, !zaflag[k] || zaps[k] == 1);
			PROP(stale_valid_root_after_zap_all, k >= gen || inval[k]);
			zaflag[k] = 0;
			k++
		:: else -> break
		od;
		k = 0
	}

	/* C: src/vm.c tdp_vm_wait_clients(): every vCPU acked the reload */
	ALL_ACKED;
	atomic {
		k = 0;
		do
		:: k < NV ->
			PROP(stale_root_in_use_after_zap_all,
			     !registered[k] || vroot[k] == NIL || vroot[k] >= gen);
			k++
		:: else -> break
		od;
		k = 0; gen = 0; target = 0;
		za_busy = 0
	}
	/* C: src/pt.c tdp_wait_frees(): rcu_barrier(); callbacks run at grace-period end */
}

/* ---- tasks ----------------------------------------------------------------- */

#define SCRATCH	bit last; bit was; bit freeit; bit again; bit ok; bit fl; bit yl; \
		byte zp; byte k; byte nx = NIL; byte cur = NIL

/* C: src/vcpu.c tdp_vcpu_put_root() -> C: src/root.c tdp_root_release() */
inline vcpu_put_root(me) {
	if
	:: vroot[me] != NIL ->
		read_lock();
		put_root(me, vroot[me], 1);
		vroot[me] = NIL;
		read_unlock()
	:: else
	fi
}

/* C: src/vcpu.c tdp_vcpu_handle_requests() (reload; flush not modelled) */
inline handle_requests(me) {
	if
	:: reload_seq != seen[me] ->
		want = reload_seq;
		/* C: src/vcpu.c tdp_vcpu_reload() */
		vcpu_put_root(me);
		root_load(me, as);
		seen[me] = want; want = 0;	/* C: src/vm.c tdp_client_done() */
		rl = 1
	:: else -> rl = 0
	fi
}

/* C: src/vcpu.c tdp_vcpu_thread() */
proctype vcpu(byte me) {
	SCRATCH;
	byte want; bit rl; bit as;
	byte it, flips = FLIPS;

	do
	:: it < ITERS ->
		handle_requests(me);
		rl = 0;
		/* C: src/vcpu.c tdp_vcpu_maybe_flip() */
		if
		:: flips > 0 ->
			flips--;
			vcpu_put_root(me);
			as = 1 - as;
			root_load(me, as)
		:: true
		fi;
		if
		:: vroot[me] == NIL -> root_load(me, as)	/* C: src/vcpu.c tdp_vcpu_load_root() */
		:: else
		fi;
		if
		:: vroot[me] != NIL ->
			/* C: src/fault.c tdp_translate(): lockless walk of the root */
			atomic { TOUCH_REF(vroot[me]) }
			/* C: src/fault.c tdp_fault_locked() under mmu_lock for read */
			read_lock();
			atomic { TOUCH_REF(vroot[me]); fl = inval[vroot[me]] }
			if
			:: !fl ->
				atomic {
					TOUCH_REF(vroot[me]);
					PROP(spte_in_invalid_root, !inval[vroot[me]])
				}
				read_unlock()
			:: else ->
				fl = 0;
				read_unlock();
				/* C: src/vcpu.c tdp_vcpu_access(): -EAGAIN */
				handle_requests(me);
				if
				:: !rl ->
					vcpu_put_root(me);
					root_load(me, as)
				:: else
				fi;
				rl = 0
			fi
		:: else
		fi;
		it++
	:: else -> break
	od;
	/* C: src/vcpu.c tdp_vcpu_stop() */
	vcpu_put_root(me);
	registered[me] = 0
}

proctype zap_all_task() {
	SCRATCH;
	byte gen, target;
	zap_all(ZA)
}

/* C: src/zap.c tdp_vm_zap_range(): every root under mmu_lock for write */
proctype zap_range_task() {
	SCRATCH;
	write_lock();
	iter_next(ZR, 0);
	do
	:: cur == NIL -> break
	:: else ->
		/* C: src/zap.c tdp_zap_leafs() */
		rcu_lock(ZR);
		zp = 0;
		do
		:: zp < LEAF_STEPS ->
			if
			:: !yl ->
				/* C: src/walk.c tdp_iter_cond_resched() */
				rcu_unlock(ZR); mmu_yield(0); rcu_lock(ZR);
				yl = 1
			:: true ->
				atomic { TOUCH_REF(cur); zp++; yl = 0 }
			fi
		:: else -> break
		od;
		zp = 0;
		rcu_unlock(ZR);
		iter_next(ZR, 0)
	od;
	write_unlock()
}

/* C: src/vm.c tdp_vm_destroy() after every task is gone */
init {
	SCRATCH;
	byte gen, target;

	atomic {
		k = 0;
		do
		:: k < NR -> nxt[k] = NIL; k++
		:: else -> break
		od;
		k = 0;
		do
		:: k < NV -> vroot[k] = NIL; registered[k] = 1; run vcpu(k); k++	/* C: src/vcpu.c tdp_vcpu_start() */
		:: else -> break
		od;
		k = 0;
		run zap_all_task();
		run zap_range_task()
	}
	_nr_pr == 1;	/* all tasks stopped (tdp_vcpus_set_count(0)) */
	zap_all(ZA);
	/* rcu_barrier(): no reader is left, every callback has run */
	d_step {
		k = 0;
		do
		:: k < NR ->
			PROP(leak_at_end, k >= nalloc || (freed[k] && !listed[k]));
			k++
		:: else -> break
		od;
		PROP(leak_at_end, head == NIL && rcu_in == 0 && readers == 0 && !writer);
		k = 0
	}
}

/* Liveness: a zap_all that started returns (run with pan -a -f). */
ltl zap_all_returns { [] (za_busy -> <> !za_busy) }
