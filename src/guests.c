// SPDX-License-Identifier: GPL-2.0
/*
 * The guest registry: the VMs debugfs created, each with its vCPUs and its
 * directory, listed by name. A guest is listed only once it is complete and
 * unlisted only once its teardown is over, so its name is taken for as long
 * as anything of it exists.
 */

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "debugfs_parse.h"
#include "guests.h"

static LIST_HEAD(tdp_guests);
/*
 * Guards tdp_guests. Never held while waiting for a VM's operations: a
 * destroy marks its guest dying under it and tears it down without it.
 */
static DEFINE_MUTEX(tdp_guests_lock);

static struct tdp_guest *tdp_guest_find(const char *name)
{
	struct tdp_guest *g;

	lockdep_assert_held(&tdp_guests_lock);
	list_for_each_entry(g, &tdp_guests, node)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

/* Tear down a guest's files, vCPUs and VM; the guest itself stays. */
static void tdp_guest_teardown(struct tdp_guest *g)
{
	/* Waits for every operation in flight on this guest's files. */
	debugfs_remove_recursive(g->dir);
	g->dir = NULL;
	if (g->vcpus)
		tdp_vcpus_destroy(g->vcpus);
	g->vcpus = NULL;
	if (g->vm)
		tdp_vm_destroy(g->vm);
	g->vm = NULL;
}

/* Tear down and free a guest already off the list. */
static void tdp_guest_free(struct tdp_guest *g)
{
	tdp_guest_teardown(g);
	kfree(g);
}

/* The refusals of tdp_guest_create() that cost nothing, in README.md's order. */
static int tdp_create_check(char *buf, char **name, struct tdp_vm_params *params)
{
	int ret;

	lockdep_assert_held(&tdp_guests_lock);
	*name = tdp_next_token(&buf);
	if (!*name) {
		pr_warn_ratelimited("create: no NAME; create takes NAME [key=value]...\n");
		return -EINVAL;
	}
	if (!tdp_name_ok(*name))
		return -EINVAL;
	if (tdp_guest_find(*name)) {
		pr_warn_ratelimited("create: %s exists\n", *name);
		return -EEXIST;
	}
	ret = tdp_parse_create(buf, *name, params);
	if (ret)
		return ret;
	return tdp_vm_params_check(params, *name);
}

int tdp_guest_create(char *buf, size_t nr_files, int (*add_files)(struct tdp_guest *g))
{
	struct tdp_vm_params params;
	struct tdp_guest *g;
	char *name;
	int ret;

	mutex_lock(&tdp_guests_lock);
	ret = tdp_create_check(buf, &name, &params);
	if (ret)
		goto unlock;
	g = kzalloc(struct_size(g, files, nr_files), GFP_KERNEL);
	if (!g) {
		ret = -ENOMEM;
		goto unlock;
	}
	strscpy(g->name, name, sizeof(g->name));

	g->vm = tdp_vm_create(&params, name);
	if (IS_ERR(g->vm)) {
		ret = PTR_ERR(g->vm);
		g->vm = NULL;
		goto fail;
	}
	g->vcpus = tdp_vcpus_create(g->vm, name);
	if (!g->vcpus) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = add_files(g);
	if (ret)
		goto fail;
	list_add_tail(&g->node, &tdp_guests);
	mutex_unlock(&tdp_guests_lock);
	return 0;

fail:
	/* A write may already be in flight on the files made so far: stop it. */
	if (g->vm)
		tdp_vm_kill(g->vm);
	tdp_guest_free(g);
unlock:
	mutex_unlock(&tdp_guests_lock);
	return ret;
}

int tdp_guest_destroy(const char *name)
{
	struct tdp_guest *g;

	if (!tdp_name_ok(name))
		return -EINVAL;

	/*
	 * The name stays taken (create gets -EEXIST) until the teardown is
	 * over; a second destroy of it gets -ENOENT.
	 */
	mutex_lock(&tdp_guests_lock);
	g = tdp_guest_find(name);
	if (g && !g->dying) {
		g->dying = true;
		tdp_vm_kill(g->vm);
	} else {
		g = NULL;
	}
	mutex_unlock(&tdp_guests_lock);
	if (!g)
		return -ENOENT;

	/*
	 * Waits for the writes in flight, which stop at their next batch; the
	 * guest leaves the list, freeing its name, only once its VM is gone.
	 */
	tdp_guest_teardown(g);
	mutex_lock(&tdp_guests_lock);
	list_del(&g->node);
	mutex_unlock(&tdp_guests_lock);
	kfree(g);
	return 0;
}

void tdp_guests_destroy_all(void)
{
	struct tdp_guest *g, *tmp;

	mutex_lock(&tdp_guests_lock);
	list_for_each_entry_safe(g, tmp, &tdp_guests, node) {
		list_del(&g->node);
		g->dir = NULL;	/* removed with the top directory */
		tdp_guest_free(g);
	}
	mutex_unlock(&tdp_guests_lock);
}
