/*
 * tdproot root lifecycle: a Promela model of the roots as src/root.c,
 * src/zap.c, src/pt.c, src/fault.c and src/vcpu.c handle them, with the
 * mmu_lock yields of src/walk.c and src/lock.c.
 *
 *   spin -a [-DPOLICY_PINNED] [-DMUTANT_<name>] [-DNV=..] [...] tdproot.pml
 *
 * Policy: seed (default) or pinned (-DPOLICY_PINNED), as vm->p.policy.
 * Mutants: -DMUTANT_<name> mirrors tests/mutants/<name>.patch of the C
 * code: rezap_invalid, dec_not_one, reader_gets_invalid, put_before_zap (the
 * seed's last put zaps without setting the count back to 1),
 * free_without_rcu, missed_invalidate. yield_same_gfn is model-only: it drops
 * the "never yield twice at one GFN" rule of tdpr_iter_cond_resched().
 *
 * Each step names the C function it models, "C: <file> <function>()";
 * tests/model/check-names.sh checks that those functions still exist.
 *
 * Abstractions (README.md has the list):
 *  - a root is a slot 0..NR-1, never reused; slot k has id k + 1. Running
 *    out of slots is an assertion (model_bound_NR_too_small), not -ENOMEM:
 *    allocation failures are not modelled;
 *  - a whole-root zap is ZAP_STEPS chunks, a range zap LEAF_STEPS chunks,
 *    with a possible yield of mmu_lock (and of the RCU read side) before
 *    each chunk but never twice before the same chunk;
 *  - an RCU callback runs in the step in which the last reader that was
 *    inside a read-side section at call_rcu() time leaves it: the earliest
 *    legal moment, which only widens the window for a use after free;
 *  - sequential consistency; steps that touch only the lock word and
 *    thread-local data are merged into the neighbouring step (d_step);
 *    roots_lock sections never block and are d_steps of their own.
 */

#ifndef NV
#define NV		2	/* vCPU threads */
#endif
#ifndef NR
#define NR		5	/* root allocations (slots, never reused) */
#endif
#ifndef ITERS
#define ITERS		1	/* iterations of each vCPU's main loop */
#endif
#ifndef FLIPS
#define FLIPS		1	/* address-space flips per flipping vCPU */
#endif
#ifndef FLIPPERS
#define FLIPPERS	1	/* vCPUs 0..FLIPPERS-1 flip (SMM-like role switch) */
#endif
#ifndef ZAP_STEPS
#define ZAP_STEPS	2	/* chunks of a whole-root zap (its two passes) */
#endif
#ifndef LEAF_STEPS
#define LEAF_STEPS	1	/* chunks of a zap_range leaf zap per root */
#endif
#ifndef ZAP_RANGE
#define ZAP_RANGE	1	/* 0: no zap_range task */
#endif
#ifndef ZAPALLS
#define ZAPALLS		1	/* zap_all calls by the zap_all task */
#endif
#ifndef POPULATE
#define POPULATE	0	/* faults of a populate task, 0: none */
#endif

#define NIL		255
#define ZA		NV		/* task id of zap_all (RCU reader bit) */
#define ZR		(NV + 1)	/* task id of zap_range */
#define PP		(NV + 2)	/* task id of populate */
#define BIT(me)		(1 << (me))

/* ---- properties: a failed assertion prints the name of what it violates */

hidden byte use_after_free;		 /* a reference holder touched a freed root */
hidden byte rcu_reader_sees_freed_root;	 /* an RCU list walker touched a freed root */
hidden byte rcu_walk_outside_rcu;	 /* the list walked outside rcu_read_lock() */
hidden byte ref_holder_sees_zero_count;	 /* holds a reference, the count is 0 */
hidden byte refcount_underflow;
hidden byte refcount_set_not_from_zero;	 /* 0->1 only by the seed's last put */
hidden byte free_with_live_reference;
hidden byte freed_while_listed;
hidden byte freed_without_one_zap;	 /* zapped exactly once before the free */
hidden byte zapped_exactly_once;	 /* a second whole-root zap */
hidden byte zap_of_valid_root;
hidden byte zap_without_own_reference;	 /* the zapper's own reference, whole zap */
hidden byte last_put_of_valid_root;	 /* pinned: only invalid roots are last-put */
hidden byte invalidate_saw_dead_root;	 /* valid, listed, count 0 under write lock */
hidden byte reader_got_invalid_root;	 /* tdpr_root_load() returned an invalid root */
hidden byte spte_in_invalid_root;
hidden byte flagged_root_unzapped_at_return; /* zap_all returned, its root unzapped */
hidden byte stale_valid_root_after_zap_all;  /* older than the invalidation, valid */
hidden byte stale_root_in_use_after_zap_all; /* a vCPU acked, still on an old root */
hidden byte leak_at_end;		 /* users gone, VM destroyed, root not freed */
hidden byte yield_inside_rcu;
hidden byte model_bound_NR_too_small;	 /* more roots allocated than slots */
hidden byte zap_all_left_root_mapped;	 /* zap_all returned, an older root unzapped */
hidden byte zap_range_left_frees_pending; /* returned without waiting for its frees */

#define PROP(name, cond)	assert((cond) || name)
/*
 * -DMUTE=<name> [-DMUTE2=<name>]: init sets the property's variable to 1,
 * which switches it off, to see what a mutant breaks after it.
 */

/* ---- state ------------------------------------------------------------- */

/* mmu_lock, an rwlock */
byte readers;
bit writer;

#ifndef INVAL	/* the lifecycle's state; -DINVAL models the invalidation protocol */
/* vm->roots: an RCU list, new roots at the head */
byte head = NIL;
byte nxt[NR];			/* ->next; kept by list_del_rcu() */
bit listed[NR];
byte nalloc;			/* roots allocated = vm->next_root_id */

/* struct tdpr_root */
byte cnt[NR];			/* refcount_t count */
bit inval[NR];			/* invalid: set by xchg, never cleared */
bit tozap[NR];			/* to_zap */
byte zaps[NR];			/* atomic_t zaps */
bit asid[NR];			/* role.as_id */
bit freed[NR];

/* RCU */
byte rcu_in;			/* tasks inside a read-side section, a bit each */
bit pend[NR];			/* call_rcu() done, callback not run yet */
byte gp[NR];			/* readers the callback still waits for */

/* requests to vCPUs: reload only (TLB flushes are not modelled) */
byte reload_seq;
byte seen[NV];
bit registered[NV];
byte vroot[NV + 3];		/* struct tdpr_vcpu .root; [PP]: populate's root */

/* ghosts */
bit zaflag[NR];			/* invalidated by the zap_all that runs */
bit zref[NR];			/* zap_all still owns the reference it zaps under */
bit zdone[NR];			/* a whole-root zap ran to its end */
bit za_busy;			/* a zap_all runs (for the LTL claim) */
#endif

/*
 * ---- locks: C: src/lock.c:23 tdpr_lock_acquire() and C: src/lock.c:38 tdpr_lock_release()
 * (rwlock read_lock/write_lock); the yield is C: src/lock.c:56 tdpr_lock_yield().
 */

#define RLOCK		!writer -> readers++
#define WLOCK		!writer && readers == 0 -> writer = 1
#define LOCK(sh)	(sh -> !writer : !writer && readers == 0) -> \
			if :: sh -> readers++ :: else -> writer = 1 fi
#define UNLOCK(sh)	if :: sh -> readers-- :: else -> writer = 0 fi

/* ---- RCU ---------------------------------------------------------------- */

/* C: src/root.c:33 tdpr_root_free_rcu(): the callback, after its grace period */
#define ROOT_FREE_RCU(x) \
	PROP(freed_while_listed, !listed[x]); \
	PROP(freed_without_one_zap, zaps[x] == 1 && zdone[x]); \
	PROP(free_with_live_reference, cnt[x] == 0); \
	freed[x] = 1; pend[x] = 0; gp[x] = 0

#define RCU_LOCK(me) \
	PROP(yield_inside_rcu, (rcu_in & BIT(me)) == 0); \
	rcu_in = rcu_in | BIT(me)

/* rcu_read_unlock(): ends the grace period of callbacks waiting only for us */
#define RCU_UNLOCK(me) \
	rcu_in = rcu_in & ~BIT(me); \
	k = 0; \
	do \
	:: k < NR -> \
		if \
		:: pend[k] && (gp[k] & BIT(me)) -> \
			gp[k] = gp[k] & ~BIT(me); \
			if :: gp[k] == 0 -> ROOT_FREE_RCU(k) :: else fi \
		:: else \
		fi; \
		k++ \
	:: else -> break \
	od; \
	k = 0

/* C: src/pt.c:42 tdpr_free_deferred(): call_rcu(), waits for the readers inside */
#ifdef MUTANT_free_without_rcu
#define FREE_DEFERRED(x)	ROOT_FREE_RCU(x)
#else
#define FREE_DEFERRED(x) \
	pend[x] = 1; gp[x] = rcu_in; \
	if :: gp[x] == 0 -> ROOT_FREE_RCU(x) :: else fi
#endif

/* C: src/root.c:71 tdpr_put_root(): list_del_rcu() under roots_lock */
#define LIST_DEL(x) \
	if \
	:: head == x -> head = nxt[x] \
	:: else -> \
		k = head; \
		do \
		:: nxt[k] == x -> nxt[k] = nxt[x]; break \
		:: else -> k = nxt[k] \
		od \
	fi; \
	listed[x] = 0; \
	k = 0

/* A list walker, inside rcu_read_lock(), reads a root it found on the list. */
#define TOUCH_RCU(me, x) \
	PROP(rcu_walk_outside_rcu, rcu_in & BIT(me)); \
	PROP(rcu_reader_sees_freed_root, !freed[x])
/* A task that holds a reference uses the root. */
#define TOUCH_REF(x) \
	PROP(use_after_free, !freed[x]); \
	PROP(ref_holder_sees_zero_count, cnt[x] > 0)

#define OWN_REF(own)	PROP(zap_without_own_reference, own)

/* ---- whole-root zap ------------------------------------------------------ */

/*
 * C: src/zap.c:112 tdpr_zap_root(): the passes over the root under RCU, yielding
 * mmu_lock (held in mode sh) at a contended GFN. own: the zapper still
 * owns the reference the zap is done under.
 */
inline zap_root(me, x, sh, own) {
	d_step {
		TOUCH_REF(x);
		PROP(zap_of_valid_root, inval[x]);
		PROP(zapped_exactly_once, zaps[x] == 0);
		OWN_REF(own);
		zaps[x]++;
		RCU_LOCK(me)
	}
	do
#ifdef MUTANT_yield_same_gfn
	:: true ->
#else
	:: !yl ->
#endif
		/* C: src/zap.c:27 tdpr_iter_cond_resched() -> C: src/lock.c:56 tdpr_lock_yield() */
		d_step { RCU_UNLOCK(me); UNLOCK(sh) }
		d_step { LOCK(sh); RCU_LOCK(me) }
		yl = 1
	:: d_step {
		/* C: src/zap.c:92 tdpr_zap_root_level(): a chunk, then maybe the end */
		TOUCH_REF(x);
		OWN_REF(own);
		zp++; yl = 0;
		if
		:: zp == ZAP_STEPS -> zp = 0; fin = 1; zdone[x] = 1; RCU_UNLOCK(me);
			/* the tables went to call_rcu(); lk->frees++ */
			queued = 1;
#ifndef MUTANT_range_wait_own_free
			lkfrees = 1
#else
			skip	/* the mutant: only a root this task freed counts */
#endif
		:: else
		fi
	   }
		if :: fin -> fin = 0; break :: else fi
	od;
	fl = 0	/* spin: a break may not land on a caller's d_step */
}

/* ---- references ----------------------------------------------------------- */

/* The last put of an invalid root: unlink, free after a grace period. */
#define LAST_PUT_FREE(x) \
	PROP(last_put_of_valid_root, inval[x]); \
	PROP(freed_without_one_zap, zaps[x] == 1); \
	LIST_DEL(x); \
	FREE_DEFERRED(x)

#if defined(MUTANT_dec_not_one) || defined(MUTANT_rezap_invalid)
#define SLOW_FREE 1	/* the mutants put steps between the decrement and the free */
#endif

#ifdef POLICY_PINNED
#define FREE_NOW(x)	1
#else
#define FREE_NOW(x)	inval[x]
#endif

/* C: src/root.c:71 tdpr_put_root(): the decrement; the fast path frees at once */
#ifdef MUTANT_dec_not_one
#define PUT_DEC(x) \
	PROP(use_after_free, !freed[x]); \
	PROP(refcount_underflow, cnt[x] > 0); \
	/* refcount_dec_not_one(): no decrement when the count is 1 */ \
	if :: cnt[x] != 1 -> cnt[x]--; last = 0 :: else -> last = 1 fi
#elif defined(SLOW_FREE)
#define PUT_DEC(x) \
	PROP(use_after_free, !freed[x]); \
	PROP(refcount_underflow, cnt[x] > 0); \
	cnt[x]--; last = (cnt[x] == 0)
#else
#define PUT_DEC(x) \
	PROP(use_after_free, !freed[x]); \
	PROP(refcount_underflow, cnt[x] > 0); \
	cnt[x]--; last = (cnt[x] == 0);		/* refcount_dec_and_test() */ \
	if \
	:: last && FREE_NOW(x) -> LAST_PUT_FREE(x); last = 0; fin = 1; lkfrees = 1 \
	:: else \
	fi
#endif

/*
 * C: src/root.c:71 tdpr_put_root() after its first decrement (last: it was the
 * last reference; fin: already freed), mmu_lock held in mode sh.
 * seed: the last put of a valid root xchg's invalid, sets the count back to
 * 1, zaps with yields and puts again; the last put of an invalid root
 * unlinks and frees it. pinned: the last put only unlinks and frees.
 */
inline put_root_rest(me, x, sh) {
	do
	:: fin -> fin = 0; break
	:: !fin && !last -> break
	:: last -> last = 0;
#ifdef POLICY_PINNED
		freeit = 1; break
#else
		d_step {
			/* xchg(&root->invalid, true); if it was valid: refcount_set(1) */
			PROP(use_after_free, !freed[x]);
			freeit = inval[x];
			inval[x] = 1;
			if
			:: !freeit ->
#ifndef MUTANT_put_before_zap
				PROP(refcount_set_not_from_zero, cnt[x] == 0);
				cnt[x] = 1
#else
				skip	/* the mutant zaps without a reference */
#endif
			:: else
			fi
		}
		if
		:: freeit -> break
		:: else ->
			zap_root(me, x, sh, 1);
			d_step { PUT_DEC(x) }	/* goto again */
		fi
#endif
	od;
	if
	:: freeit ->
		freeit = 0;
#ifdef MUTANT_rezap_invalid
		/* the mutant: zap the zapped root once more, then put again */
		d_step { PROP(use_after_free, !freed[x]); cnt[x] = 1 }
		zap_root(me, x, sh, 1);
		d_step { PROP(refcount_underflow, cnt[x] > 0); cnt[x]--; freeit = (cnt[x] == 0) }
		if
		:: freeit ->
			freeit = 0;
#endif
#ifdef MUTANT_dec_not_one
			d_step { PROP(use_after_free, !freed[x]); cnt[x] = 0 }	/* refcount_set(0) */
#endif
			d_step { PROP(use_after_free, !freed[x]); LAST_PUT_FREE(x); lkfrees = 1 }
#ifdef MUTANT_rezap_invalid
		:: else
		fi
#endif
	:: else
	fi
}

/* C: src/root.c:71 tdpr_put_root() */
inline put_root(me, x, sh) {
	d_step { PUT_DEC(x) }
	put_root_rest(me, x, sh)
}

/*
 * C: src/root.c:136 tdpr_root_iter_next(), as for_each_tdpr_root_yield_safe walks
 * it: every root, invalid ones too (inc_not_zero without the invalid check).
 * cur: the referenced current root or NIL; afterwards the next one or NIL.
 */
inline iter_next(me, sh) {
	d_step {
		RCU_LOCK(me);
		if
		:: cur != NIL -> TOUCH_REF(cur); nx = nxt[cur]	/* list_next_or_null_rcu() */
		:: else -> nx = head				/* list_first_or_null_rcu() */
		fi;
		if :: nx == NIL -> RCU_UNLOCK(me) :: else fi
	}
	do
	:: nx == NIL -> break
	:: else ->
		d_step {
			TOUCH_RCU(me, nx);
			if
#ifdef MUTANT_zap_all_skips_invalid
			/* zap_all's walk takes only valid roots: not the ones it flagged */
			:: cnt[nx] > 0 && !(me == ZA && inval[nx]) -> cnt[nx]++; fin = 1
#else
			:: cnt[nx] > 0 -> cnt[nx]++; fin = 1	/* refcount_inc_not_zero() */
#endif
			:: else -> nx = nxt[nx]; fin = (nx == NIL)
			fi;
			if :: fin -> RCU_UNLOCK(me) :: else fi
		}
		if :: fin -> fin = 0; break :: else fi
	od;
#ifdef MUTANT_iter_no_ref
	/* The walk keeps only the pointer: the reference goes at once. */
	if
	:: nx != NIL -> put_root(me, nx, sh)
	:: else
	fi;
#else
	if
	:: cur != NIL -> put_root(me, cur, sh)
	:: else
	fi;
#endif
	cur = nx; nx = NIL
}

/* ---- loading a root --------------------------------------------------------- */

/*
 * C: src/root.c:227 tdpr_root_load(): under mmu_lock for read, find a valid root
 * of the role and get it, else, under roots_lock, recheck and list_add_rcu()
 * a new one. Result in vroot[me].
 */
inline root_load(me, as) {
	d_step { RLOCK; RCU_LOCK(me); nx = head }
	do
	:: nx != NIL ->
		/* C: src/root.c:178 tdpr_find_valid_root() -> C: src/root.c:48 tdpr_get_root() */
		d_step {
			TOUCH_RCU(me, nx);
#ifdef MUTANT_reader_gets_invalid
			fl = (asid[nx] == as);
#else
			fl = (asid[nx] == as) && !inval[nx];	/* READ_ONCE(root->invalid) */
#endif
			if :: !fl -> nx = nxt[nx] :: else fi
		}
		if
		:: fl ->
			fl = 0;
			/*
			 * refcount_inc_not_zero(), then smp_rmb() and the re-check of
			 * invalid, in one step: they run under mmu_lock for read, where
			 * nothing can make the root invalid while we hold a reference.
			 */
			d_step {
				TOUCH_RCU(me, nx);
				if
				:: cnt[nx] > 0 ->
					cnt[nx]++; ok = 1;
#ifndef MUTANT_reader_gets_invalid
					fl = inval[nx]	/* put it back */
#endif
				:: else -> ok = 0
				fi
			}
			if
			:: fl -> fl = 0; ok = 0; put_root(me, nx, 1)
			:: else
			fi;
			if
			:: ok -> ok = 0; fl = 1
			:: else -> d_step { TOUCH_RCU(me, nx); nx = nxt[nx] }
			fi
		:: else
		fi;
		if
		:: fl -> fl = 0;
			d_step {
				RCU_UNLOCK(me);
				vroot[me] = nx; nx = NIL;
				/*
				 * TDP_WARN(READ_ONCE(root->invalid)) after the search: neither
				 * invalidation can run while we hold mmu_lock and a reference.
				 */
				PROP(reader_got_invalid_root, !inval[vroot[me]]);
				readers--
			}
			break
		:: else
		fi
	:: nx == NIL ->
		d_step {
			RCU_UNLOCK(me);
			/*
			 * spin_lock(roots_lock); C: src/root.c:203 tdpr_get_valid_root_locked():
			 * get a valid root of the role whose count is not zero (a zero
			 * count is a seed last put about to invalidate it: skipped),
			 * else list_add_rcu() a new one. inc_not_zero and the re-check
			 * of invalid are one step here, as in the search above.
			 */
			k = head;
			do
			:: k == NIL -> break
#ifdef MUTANT_load_spins
			:: k != NIL && asid[k] == as && !inval[k] -> break
#else
			:: k != NIL && asid[k] == as && !inval[k] && cnt[k] > 0 -> break
#endif
			:: else -> k = nxt[k]
			od;
			if
#ifdef MUTANT_load_spins
			/* the old tdpr_valid_root_listed(): goto retry */
			:: k != NIL -> fin = 1
#else
			:: k != NIL -> PROP(use_after_free, !freed[k]); cnt[k]++; vroot[me] = k; readers--
#endif
			:: else ->
				/* list_add_rcu() */
				PROP(model_bound_NR_too_small, nalloc < NR);
				nx = nalloc; nalloc++;
#ifdef POLICY_PINNED
				cnt[nx] = 2;	/* the caller's and the MMU's */
#else
				cnt[nx] = 1;
#endif
				asid[nx] = as; listed[nx] = 1;
				nxt[nx] = head; head = nx;
				vroot[me] = nx; nx = NIL;
				readers--
			fi;
			k = 0
		}
		if
		:: fin -> fin = 0; d_step { RCU_LOCK(me); nx = head }
		:: else -> break
		fi
	od;
	fl = 0	/* spin: a break may not land on a caller's d_step */
}

/* tdpr_clients_caught_up(): each registered vCPU has acked the reload */
#define ACKED(v)	(!registered[v] || seen[v] >= target)
#if NV == 1
#define ALL_ACKED	ACKED(0)
#elif NV == 2
#define ALL_ACKED	ACKED(0) && ACKED(1)
#elif NV == 3
#define ALL_ACKED	ACKED(0) && ACKED(1) && ACKED(2)
#else
#define ALL_ACKED	ACKED(0) && ACKED(1) && ACKED(2) && ACKED(3)
#endif

/* ---- tasks ----------------------------------------------------------------- */

#define SCRATCH	bit last; bit freeit; bit fin; bit ok; bit fl; bit yl; \
		bit lkfrees; bit queued; \
		byte zp; byte k; byte nx = NIL; byte cur = NIL

/* C: src/vcpu.c:84 tdpr_vcpu_put_root() -> C: src/root.c:306 tdpr_root_release() */
inline release_root(me) {
	if
	:: vroot[me] != NIL ->
		d_step {
			RLOCK;
			PUT_DEC(vroot[me]);
			if :: !last -> fin = 0; vroot[me] = NIL; readers-- :: else fi
		}
		if
		:: last ->
			put_root_rest(me, vroot[me], 1);
			d_step { vroot[me] = NIL; readers-- }
		:: else
		fi
	:: else
	fi
}

#ifndef INVAL
/*
 * C: src/vcpu.c:218 tdpr_vcpu_thread(), one pass of its loop per iteration:
 * requests, flip, load if it has no root, one access (translate, then fault;
 * -EAGAIN reloads), then C: src/vcpu.c:300 tdpr_vcpu_stop(). Every change of
 * root is "release, then load" (sw), done at one place in the loop.
 */
proctype vcpu(byte me) {
	SCRATCH;
	byte want, it, flips, step;
	bit as, sw, ack, stop;

	flips = (me < FLIPPERS -> FLIPS : 0);
	do
	:: sw ->
		/*
		 * C: src/vcpu.c:102 tdpr_vcpu_reload(), C: src/vcpu.c:124 tdpr_vcpu_maybe_flip(),
		 * C: src/vcpu.c:92 tdpr_vcpu_load_root(): drop the root, load one
		 */
		release_root(me);
		if
		:: stop -> break
		:: else
		fi;
		root_load(me, as);
		d_step {
			if :: ack -> seen[me] = want :: else fi;	/* C: src/requests.c:72 tdpr_client_done() */
			ack = 0; want = 0; sw = 0
		}
	:: !sw && step == 0 ->
		/* C: src/vcpu.c:110 tdpr_vcpu_handle_requests(): reload (flush not modelled) */
		d_step { ack = (reload_seq != seen[me]); want = (ack -> reload_seq : 0); sw = ack; step = 1 }
	:: !sw && step == 1 ->
		/* C: src/vcpu.c:124 tdpr_vcpu_maybe_flip(): put, as_id ^= 1, load */
		if
		:: flips > 0 -> d_step { flips--; as = 1 - as; sw = 1; step = 2 }
		:: true -> step = 2
		fi
	:: !sw && step == 2 ->
		d_step { sw = (vroot[me] == NIL); step = 3 }
	:: !sw && step == 3 ->
		/*
		 * C: src/translate.c:17 tdpr_translate(): the lockless walk, then
		 * C: src/fault.c:50 tdpr_fault_locked() under mmu_lock for read
		 */
#ifdef MUTANT_fault_into_invalid
		d_step { RLOCK; TOUCH_REF(vroot[me]); fl = 0 }	/* no check of invalid */
#else
		d_step { RLOCK; TOUCH_REF(vroot[me]); fl = inval[vroot[me]] }
#endif
		if
		:: !fl ->
			d_step {
				TOUCH_REF(vroot[me]);
				PROP(spte_in_invalid_root, !inval[vroot[me]]);	/* try_cmpxchg64 */
				readers--;
				step = 4
			}
		:: else ->
			d_step { fl = 0; readers-- }
			/*
			 * C: src/vcpu.c:158 tdpr_vcpu_access(): -EAGAIN, handle the
			 * requests or else reload anyway
			 */
			d_step {
				ack = (reload_seq != seen[me]);
				want = (ack -> reload_seq : 0);
				sw = 1; step = 4
			}
		fi
	:: !sw && step == 4 ->
		d_step {
			it++;
			if
			:: it < ITERS -> step = 0
			:: else -> stop = 1; sw = 1	/* C: src/vcpu.c:300 tdpr_vcpu_stop() */
			fi
		}
	od;
	registered[me] = 0	/* C: src/requests.c:42 tdpr_client_unregister() */
}

/* tdpr_clients_caught_up(): each registered vCPU has acked the reload */
#define ACKED(v)	(!registered[v] || seen[v] >= target)
#if NV == 1
#define ALL_ACKED	ACKED(0)
#elif NV == 2
#define ALL_ACKED	ACKED(0) && ACKED(1)
#elif NV == 3
#define ALL_ACKED	ACKED(0) && ACKED(1) && ACKED(2)
#else
#define ALL_ACKED	ACKED(0) && ACKED(1) && ACKED(2) && ACKED(3)
#endif

/* tdpr_old_roots_zapped(): every root older than gen is zapped or gone */
#define OLD_ZAPPED(k)	((k) >= gen || !listed[k] || zdone[k])
#if NR == 5
#define OLD_ROOTS_ZAPPED \
	(OLD_ZAPPED(0) && OLD_ZAPPED(1) && OLD_ZAPPED(2) && OLD_ZAPPED(3) && OLD_ZAPPED(4))
#else
#error "OLD_ROOTS_ZAPPED is spelled out for NR == 5"
#endif

/* C: src/requests.c:136 tdpr_vm_zap_all(), runs times (zap_all_mutex: one at a time) */
proctype zap_all_task(byte runs) {
	SCRATCH;
	byte gen, target;

again:	fl = 0;	/* spin: no jump into a d_step */
	d_step {
		WLOCK;
		za_busy = 1;
		/* C: src/invalidate.c:26 tdpr_invalidate_roots() */
		gen = nalloc;
		k = head;
		do
		:: k == NIL -> break
		:: else ->
			if
			:: inval[k] -> skip	/* the seed's last put zaps it */
#ifdef MUTANT_missed_invalidate
			:: !inval[k] && k + 1 == nalloc -> skip	/* the newest root escapes */
#endif
			:: else ->
#ifndef POLICY_PINNED
				PROP(invalidate_saw_dead_root, cnt[k] > 0);
#ifndef MUTANT_invalidate_no_ref
				cnt[k]++;	/* seed: a reference for the zap */
#endif
#endif
				/* pinned: the MMU's own reference passes to the zap */
				inval[k] = 1; tozap[k] = 1;
				zaflag[k] = 1; zref[k] = 1
			fi;
			k = nxt[k]
		od;
		k = 0;
		reload_seq++;
		target = reload_seq;
		writer = 0
	}
	/* C: src/invalidate.c:54 tdpr_zap_invalidated_roots() under mmu_lock for read */
	d_step { RLOCK; cur = NIL }
	do
	:: iter_next(ZA, 1);
		if
		:: cur == NIL -> break
		:: else
		fi;
		d_step { TOUCH_REF(cur); fl = tozap[cur]; tozap[cur] = 0 }	/* xchg(&to_zap, false) */
		if
		:: fl ->
			fl = 0;
			zap_root(ZA, cur, 1, zref[cur]);
			zref[cur] = 0;
			put_root(ZA, cur, 1);
		:: else
		fi
	od;
	fl = 0;	/* spin: no jump into a d_step */
	d_step { readers-- }
#ifndef MUTANT_zap_all_no_wait
	/*
	 * C: src/requests.c:136 tdpr_vm_zap_all(): wait_event(zap_wq,
	 * tdpr_old_roots_zapped()): every listed root older than the
	 * invalidation has been zapped to its end (a seed last put may still
	 * be zapping one).
	 */
	OLD_ROOTS_ZAPPED;
#endif
	d_step {
		/* what zap_all promises once its zap phase is over */
		k = 0;
		do
		:: k < NR ->
			PROP(flagged_root_unzapped_at_return, !zaflag[k] || zdone[k]);
			PROP(stale_valid_root_after_zap_all, k >= gen || inval[k]);
			zaflag[k] = 0;
			k++
		:: else -> break
		od;
		k = 0
	}
	/* C: src/requests.c:129 tdpr_vm_wait_clients(): every vCPU acked the reload */
	d_step {
		ALL_ACKED;
		k = 0;
		do
		:: k < NV ->
			PROP(stale_root_in_use_after_zap_all,
			     !registered[k] || vroot[k] == NIL || vroot[k] >= gen);
			k++
		:: else -> break
		od;
		k = 0;
		do
		:: k < NR ->
			/* no root older than the call still maps memory */
			PROP(zap_all_left_root_mapped, k >= gen || zdone[k]);
			k++
		:: else -> break
		od;
		k = 0; gen = 0; target = 0;
		za_busy = 0
	}
	/* C: src/pt.c:57 tdpr_wait_frees(): callbacks run when their grace period ends */
	if
	:: runs > 1 -> runs--; goto again
	:: else
	fi
}

/* C: src/requests.c:202 tdpr_vm_zap_range(): every root, mmu_lock for write */
proctype zap_range_task() {
	SCRATCH;

	d_step { WLOCK; cur = NIL }
	do
	:: iter_next(ZR, 0);
		if
		:: cur == NIL -> break
		:: else
		fi;
		/* C: src/zap.c:146 tdpr_zap_leafs() */
		d_step { TOUCH_REF(cur); RCU_LOCK(ZR) }
		do
		:: !yl ->
			/* C: src/zap.c:27 tdpr_iter_cond_resched() */
			d_step { RCU_UNLOCK(ZR); writer = 0 }
			d_step { WLOCK; RCU_LOCK(ZR) }
			yl = 1
		:: d_step {
			TOUCH_REF(cur);
			zp++; yl = 0;
			if :: zp == LEAF_STEPS -> zp = 0; fin = 1; RCU_UNLOCK(ZR) :: else fi
		   }
			if :: fin -> fin = 0; break :: else fi
		od
	od;
	fl = 0;	/* spin: a break may not land on a d_step */
	d_step {
		writer = 0;
		/* if (lk.frees) tdpr_wait_frees(): every table it queued is waited for */
		PROP(zap_range_left_frees_pending, !queued || lkfrees)
	}
}

/*
 * C: src/populate.c:21 tdpr_vm_populate(): a reference holder that is not a vCPU,
 * so zap_all does not wait for it to reload.
 */
proctype populate_task() {
	SCRATCH;
	byte it;
	bit sw = 1, stop;

	do
	:: sw ->
		/* C: src/root.c:306 tdpr_root_release(), C: src/root.c:227 tdpr_root_load() */
		release_root(PP);
		if
		:: stop -> break
		:: else
		fi;
		root_load(PP, 0);
		sw = 0
	:: !sw ->
		/* C: src/fault.c:50 tdpr_fault_locked() under mmu_lock for read */
		d_step { RLOCK; TOUCH_REF(vroot[PP]); fl = inval[vroot[PP]] }
		if
		:: !fl ->
			d_step {
				TOUCH_REF(vroot[PP]);
				PROP(spte_in_invalid_root, !inval[vroot[PP]]);
				readers--
			}
		:: else ->
			/* -EAGAIN: carry on in a new root */
			d_step { fl = 0; readers-- }
			sw = 1
		fi;
		it++;
		if
		:: it >= POPULATE -> stop = 1; sw = 1
		:: else
		fi
	od
}

/* C: src/vm.c:158 tdpr_vm_destroy(), once every task is gone */
init {
	byte k;

	d_step {
		k = 0;
		do
		:: k < NR -> nxt[k] = NIL; k++
		:: else -> break
		od;
		k = 0;
		do
		:: k < NV -> registered[k] = 1; k++	/* C: src/requests.c:27 tdpr_client_register() */
		:: else -> break
		od;
		k = 0;
		do
		:: k < NV + 3 -> vroot[k] = NIL; k++
		:: else -> break
		od;
		k = 0;
#ifdef MUTE
		MUTE = 1;
#endif
#ifdef MUTE2
		MUTE2 = 1;
#endif
	}
	atomic {
		k = 0;
		do
		:: k < NV -> run vcpu(k); k++	/* C: src/vcpu.c:272 tdpr_vcpu_start() */
		:: else -> break
		od;
		k = 0;
		run zap_all_task(ZAPALLS);
#if ZAP_RANGE
		run zap_range_task();
#endif
#if POPULATE
		run populate_task();
#endif
		skip
	}
	_nr_pr == 1;		/* every task stopped: tdpr_vcpus_set_count(0) */
	run zap_all_task(1);	/* tdpr_vm_destroy() zaps all */
	_nr_pr == 1;
	/* rcu_barrier(): no reader is left, so every callback has run */
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

#endif /* !INVAL */

#ifdef INVAL
/*
 * ---- KVM's invalidation protocol, with -DINVAL: a model of its own ----
 *
 * One guest frame, the page behind it and its leaf; every root is one leaf
 * here, as an invalidation zaps the range in every root alike. Actors: a
 * vCPU (accesses through its TLB or a walk, faults on a miss, handles flush
 * requests between accesses), a populate fault task, MIGRATES migrations
 * and ZAPS zap_ranges. Proved: no leaf is ever installed from a page an
 * invalidation has replaced (leaf_from_replaced_page), and no access ever
 * reaches a retired page (access_to_retired_page). Mutants:
 * fault_ignores_seq (the fault installs without tdpr_fault_is_stale()) and
 * migrate_no_flush_wait (migrate does not wait for the flush acks).
 */
#ifndef MIGRATES
#define MIGRATES	2
#endif
#ifndef ZAPS
#define ZAPS		1
#endif
#ifndef ACCESSES
#define ACCESSES	2
#endif
#define PAGES		(MIGRATES + 1)

hidden byte leaf_from_replaced_page;	/* a fault installed a page migrate replaced */
hidden byte access_to_retired_page;	/* a vCPU read or wrote a retired page */
hidden byte stale_leaf_at_end;		/* the leaf maps a page other than the frame's */

byte page;			/* vm->moved: the frame's page now */
bit retired[PAGES];		/* the page's stamp says retired */
bit replacing[PAGES];		/* ghost: a migrate that replaces it has started */
byte leaf = NIL;		/* the frame's leaf: NIL or the page it maps */
byte inv_seq;			/* vm->mmu_invalidate_seq */
byte inv_prog;			/* vm->mmu_invalidate_in_progress */
byte flush_seq;			/* vm->flush_seq */
byte flush_seen;		/* the vCPU's client: flush_seen */
bit vcpu_gone;			/* unregistered: nobody waits for its acks */
byte retries;			/* fault_retries_invalidate */

/*
 * C: src/fault.c:16 tdpr_fault_prepare(): the sequence sampled, then the
 * page resolved (smp_rmb between them); then, under mmu_lock for read,
 * C: src/fault.c:37 tdpr_fault_is_stale() and the install of
 * C: src/fault.c:50 tdpr_fault_locked(). @stale is set if it must retry.
 */
inline fault(seq, pg, stale) {
	seq = inv_seq;
	pg = page;
	atomic {
		RLOCK;
#ifdef MUTANT_fault_ignores_seq
		stale = 0;
#else
		stale = inv_prog > 0 || inv_seq != seq;
#endif
	}
	if
	:: stale -> d_step { retries++; readers-- }
	:: else ->
		d_step {
			if
			:: leaf == NIL ->
				PROP(leaf_from_replaced_page, pg == page && !replacing[pg]);
				leaf = pg
			:: else
			fi;
			readers--
		}
	fi
}

/*
 * C: src/requests.c:167 tdpr_invalidate_begin(): C: src/invalidate.c
 * tdpr_invalidate_range_start() under mmu_lock for write (in progress up,
 * the leaf zapped), a flush request, and the wait for the vCPU's ack.
 */
inline invalidate_begin(target, mig) {
	atomic {
		WLOCK;
		inv_prog++;
		replacing[page] = replacing[page] | mig;
		leaf = NIL
	}
	d_step { flush_seq++; target = flush_seq; writer = 0 }
#ifndef MUTANT_migrate_no_flush_wait
	(vcpu_gone || flush_seen == target)
#endif
}

/* C: src/requests.c:193 tdpr_invalidate_finish(): sequence up, then in progress down. */
inline invalidate_end() {
	atomic {
		WLOCK;
		inv_seq++;
		inv_prog--;
		writer = 0
	}
}

/*
 * C: src/vcpu.c:158 tdpr_vcpu_access() in C: src/vcpu.c:218 tdpr_vcpu_thread():
 * requests first (a flush empties the TLB, then the ack), then the TLB, a
 * walk of the leaf (C: src/translate.c:17 tdpr_translate()) or a fault; the
 * access checks the page's stamp (C: src/backing.c:248 tdpr_backing_check()).
 * A stale fault returns to the request handling, as -EBUSY does.
 */
proctype inval_vcpu() {
	byte done, x, tlb = NIL, seq, pg;
	bit stale;

	do
	:: done < ACCESSES ->
		d_step {
			if
			:: flush_seen != flush_seq -> tlb = NIL; flush_seen = flush_seq
			:: else
			fi
		}
		if
		:: tlb != NIL -> x = tlb
		:: else -> x = leaf
		fi;
		if
		:: x != NIL ->
			tlb = x;
			PROP(access_to_retired_page, !retired[x]);
			done++
		:: else -> fault(seq, pg, stale)
		fi
	:: else -> break
	od;
	vcpu_gone = 1		/* C: src/requests.c:42 tdpr_client_unregister() */
}

/* C: src/populate.c:21 tdpr_vm_populate(): one frame, retried while stale. */
proctype inval_populate() {
	byte seq, pg;
	bit stale;

	do
	:: fault(seq, pg, stale);
		if
		:: stale
		:: else -> break
		fi
	od
}

/* C: src/requests.c:218 tdpr_vm_migrate(): begin, move the frame, end. */
proctype inval_migrate() {
	byte k, target, old;

	do
	:: k < MIGRATES ->
		invalidate_begin(target, 1);
		/* C: src/backing.c:173 tdpr_backing_move(): switch, then retire the old page */
		old = page;
		page = k + 1;
		retired[old] = 1;
		invalidate_end();
		k++
	:: else -> break
	od
}

/* C: src/requests.c:202 tdpr_vm_zap_range(): the same bracket, nothing moves. */
proctype inval_zap_range() {
	byte k, target;

	do
	:: k < ZAPS ->
		invalidate_begin(target, 0);
		invalidate_end();
		k++
	:: else -> break
	od
}

init {
	atomic {
		run inval_vcpu();
		run inval_populate();
		run inval_migrate();
#if ZAPS
		run inval_zap_range()
#endif
	}
	_nr_pr == 1;
	PROP(stale_leaf_at_end, leaf == NIL || (leaf == page && !retired[leaf]));
	PROP(stale_leaf_at_end, inv_prog == 0 && readers == 0 && !writer)
}
#endif /* INVAL */

/* Liveness, with -DLTL (pan -a -f): a zap_all that started returns. */
#ifdef LTL
ltl zap_all_returns { [] (za_busy -> <> !za_busy) }
#endif
