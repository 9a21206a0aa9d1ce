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

static LIST_HEAD(tdpr_guests);
/*
 * Guards tdpr_guests. Never held while waiting for a VM's operations: a
 * destroy marks its guest dying under it and tears it down without it.
 */
static DEFINE_MUTEX(tdpr_guests_lock);

static struct tdpr_guest *tdpr_guest_find(const char *name)
{
	struct tdpr_guest *g;

	lockdep_assert_held(&tdpr_guests_lock);
	list_for_each_entry(g, &tdpr_guests, node)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

/* Tear down a guest's files, vCPUs and VM; the guest itself stays. */
static void tdpr_guest_teardown(struct tdpr_guest *g)
{
	/* Waits for every operation in flight on this guest's files. */
	debugfs_remove_recursive(g->dir);
	g->dir = NULL;
	if (g->vcpus)
		tdpr_vcpus_destroy(g->vcpus);
	g->vcpus = NULL;
	if (g->vm)
		tdpr_vm_destroy(g->vm);
	g->vm = NULL;
	if (g->svm)
		tdpr_svm_vm_put();
	g->svm = false;
}

/* Tear down and free a guest already off the list. */
static void tdpr_guest_free(struct tdpr_guest *g)
{
	tdpr_guest_teardown(g);
	kfree(g);
}

/* The refusals of tdpr_guest_create() that cost nothing, in README.md's order. */
static int tdpr_create_check(char *buf, char **name, struct tdpr_vm_params *params)
{
	int ret;

	lockdep_assert_held(&tdpr_guests_lock);
	*name = tdpr_next_token(&buf);
	if (!*name) {
		pr_warn_ratelimited("create: no NAME; create takes NAME [key=value]...\n");
		return -EINVAL;
	}
	if (!tdpr_name_ok(*name))
		return -EINVAL;
	if (tdpr_guest_find(*name)) {
		pr_warn_ratelimited("create: %s exists\n", *name);
		return -EEXIST;
	}
	ret = tdpr_parse_create(buf, *name, params);
	if (ret)
		return ret;
	if (params->svm) {
		ret = tdpr_svm_vm_check(params, *name);
		if (ret)
			return ret;
	}
	return tdpr_vm_params_check(params, *name);
}

int tdpr_guest_create(char *buf, size_t nr_files, int (*add_files)(struct tdpr_guest *g))
{
	struct tdpr_vm_params params;
	struct tdpr_guest *g;
	char *name;
	int ret;

	mutex_lock(&tdpr_guests_lock);
	ret = tdpr_create_check(buf, &name, &params);
	if (ret)
		goto unlock;
	g = kzalloc(struct_size(g, files, nr_files), GFP_KERNEL);
	if (!g) {
		ret = -ENOMEM;
		goto unlock;
	}
	strscpy(g->name, name, sizeof(g->name));
	if (params.svm) {
		ret = tdpr_svm_vm_get(name);
		if (ret)
			goto fail;
		g->svm = true;
	}

	g->vm = tdpr_vm_create(&params, name);
	if (IS_ERR(g->vm)) {
		ret = PTR_ERR(g->vm);
		g->vm = NULL;
		goto fail;
	}
	g->vcpus = tdpr_vcpus_create(g->vm, name, params.svm);
	if (!g->vcpus) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = add_files(g);
	if (ret)
		goto fail;
	list_add_tail(&g->node, &tdpr_guests);
	mutex_unlock(&tdpr_guests_lock);
	return 0;

fail:
	/* A write may already be in flight on the files made so far: stop it. */
	if (g->vm)
		tdpr_vm_kill(g->vm);
	tdpr_guest_free(g);
unlock:
	mutex_unlock(&tdpr_guests_lock);
	return ret;
}

int tdpr_guest_destroy(const char *name)
{
	struct tdpr_guest *g;

	if (!tdpr_name_ok(name))
		return -EINVAL;

	/*
	 * The name stays taken (create gets -EEXIST) until the teardown is
	 * over; a second destroy of it gets -ENOENT.
	 */
	mutex_lock(&tdpr_guests_lock);
	g = tdpr_guest_find(name);
	if (g && !g->dying) {
		g->dying = true;
		tdpr_vm_kill(g->vm);
	} else {
		g = NULL;
	}
	mutex_unlock(&tdpr_guests_lock);
	if (!g)
		return -ENOENT;

	/*
	 * Waits for the writes in flight, which stop at their next batch; the
	 * guest leaves the list, freeing its name, only once its VM is gone.
	 */
	tdpr_guest_teardown(g);
	mutex_lock(&tdpr_guests_lock);
	list_del(&g->node);
	mutex_unlock(&tdpr_guests_lock);
	kfree(g);
	return 0;
}

void tdpr_guests_destroy_all(void)
{
	struct tdpr_guest *g, *tmp;

	mutex_lock(&tdpr_guests_lock);
	list_for_each_entry_safe(g, tmp, &tdpr_guests, node) {
		list_del(&g->node);
		g->dir = NULL;	/* removed with the top directory */
		tdpr_guest_free(g);
	}
	mutex_unlock(&tdpr_guests_lock);
}
