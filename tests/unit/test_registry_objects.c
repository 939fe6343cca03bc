/* test_registry_objects: registry scans as objects, and the decisions the
 * graph rules make over them (docs/policy.md, "Registries"), from
 * synthetic scans: no registry needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "decide.h"
#include "engine/objects.h"
#include "plan.h"
#include "policy.h"
#include "registry/objects.h"
#include "report.h"
#include "source.h"

#define NOW 1800000000LL
#define DAY 86400LL

/* ---- synthetic scans ---------------------------------------------------------- */

static char *xs(const char *s)
{
	char *d = strdup(s);
	assert_non_null(d);
	return d;
}

/* "sha256:" and 64 times c. */
static char *dg(char c)
{
	char *d = malloc(72);
	assert_non_null(d);
	memcpy(d, "sha256:", 7);
	memset(d + 7, c, 64);
	d[71] = '\0';
	return d;
}

static struct rc_reg_repo *repo(struct rc_reg_scan *s, const char *name)
{
	struct rc_reg_repo *r;

	s->repos = realloc(s->repos, (s->n_repos + 1) * sizeof(*r));
	assert_non_null(s->repos);
	r = &s->repos[s->n_repos++];
	memset(r, 0, sizeof(*r));
	r->name = xs(name);
	return r;
}

static struct rc_reg_manifest *manifest(struct rc_reg_repo *r, char c, enum rc_reg_mkind mk)
{
	struct rc_reg_manifest *m;

	r->manifests = realloc(r->manifests, (r->n_manifests + 1) * sizeof(*m));
	assert_non_null(r->manifests);
	m = &r->manifests[r->n_manifests++];
	memset(m, 0, sizeof(*m));
	m->digest = dg(c);
	m->mkind = mk;
	m->media_type = xs(mk == RC_REG_INDEX ? "application/vnd.oci.image.index.v1+json"
					      : "application/vnd.oci.image.manifest.v1+json");
	m->size = 10;
	return m;
}

/* An image manifest of digest c, created at `created`, config digest cfg of
 * 100 bytes, layers "L:size ..." (each blob digest is 64 times L). */
static struct rc_reg_manifest *image(struct rc_reg_repo *r, char c, int64_t created, char cfg,
				     const char *layers)
{
	struct rc_reg_manifest *m = manifest(r, c, RC_REG_IMAGE);
	const char *p = layers;

	m->created = created;
	m->config.digest = dg(cfg);
	m->config.size = 100;
	while (p && *p) {
		m->layers = realloc(m->layers, (m->n_layers + 1) * sizeof(*m->layers));
		assert_non_null(m->layers);
		m->layers[m->n_layers].digest = dg(p[0]);
		m->layers[m->n_layers].size = strtoll(p + 2, NULL, 10);
		m->n_layers++;
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return m;
}

static struct rc_reg_manifest *index_of(struct rc_reg_repo *r, char c, const char *children)
{
	struct rc_reg_manifest *m = manifest(r, c, RC_REG_INDEX);
	struct rc_err err = RC_ERR_INIT;
	const char *p;

	for (p = children; *p; p++) {
		char *d = dg(*p);
		assert_int_equal(rc_strv_push(&m->children, d, &err), 0);
		free(d);
	}
	return m;
}

static void tag(struct rc_reg_repo *r, const char *name, char c)
{
	r->tags = realloc(r->tags, (r->n_tags + 1) * sizeof(*r->tags));
	assert_non_null(r->tags);
	r->tags[r->n_tags].name = xs(name);
	r->tags[r->n_tags].digest = dg(c);
	r->n_tags++;
}

static void scan_init(struct rc_reg_scan *s)
{
	rc_reg_scan_init(s);
	s->url = xs("http://127.0.0.1:5000");
	s->name = xs("reg");
}

/* ---- plans ----------------------------------------------------------------------- */

static void flags_policy(struct rp_policy *pol, const char *keep_tags, int64_t older_than,
			 int64_t keep_last, const char *match, int untagged)
{
	struct rp_flags f;
	struct rc_err err = RC_ERR_INIT;

	rp_flags_init(&f);
	f.min_age = 0;
	f.older_than = older_than;
	f.keep_last = keep_last;
	f.match_tags = match ? xs(match) : NULL;
	f.untagged = untagged;
	if (keep_tags)
		assert_int_equal(rc_strv_push(&f.keep_tags_regex, keep_tags, &err), 0);
	if (rp_policy_from_flags(&f, pol, &err) != 0)
		fail_msg("%s", err.msg);
	rp_flags_release(&f);
}

/* Builds, seals, writes and strictly loads the plan of inv under pol. */
static void build(const struct rc_inventory *inv, const struct rp_policy *pol, struct rc_plan *plan)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan back;
	char path[] = "/tmp/test_registry_planXXXXXX";
	int fd;

	rc_plan_init(plan);
	if (rp_plan_build(inv, pol, NOW, DAY, plan, &err) != 0)
		fail_msg("%s", err.msg);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	if (rc_plan_write(plan, path, &err) != 0)
		fail_msg("%s", err.msg);
	if (rc_plan_load(path, &back, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(back.digest, plan->digest);
	assert_int_equal(back.n_candidates, plan->n_candidates);
	rc_plan_release(&back);
	unlink(path);
}

static const struct rc_plan_item *find_item(const struct rc_plan *p, const char *object,
					    int *candidate, size_t *pos)
{
	size_t i;

	for (i = 0; i < p->n_candidates; i++)
		if (!strcmp(p->candidates[i].object, object)) {
			*candidate = 1;
			*pos = i;
			return &p->candidates[i];
		}
	for (i = 0; i < p->n_protected; i++)
		if (!strcmp(p->protected_items[i].object, object)) {
			*candidate = 0;
			*pos = i;
			return &p->protected_items[i];
		}
	fail_msg("no item '%s'", object);
	return NULL;
}

/* The item of object, a candidate or not, with that rule and reason. */
static const struct rc_plan_item *expect(const struct rc_plan *p, const char *object, int cand,
					 const char *rule, const char *reason)
{
	int c = -1;
	size_t pos;
	const struct rc_plan_item *it = find_item(p, object, &c, &pos);

	if (c != cand)
		fail_msg("'%s' is %s, expected %s (%s: %s)", object,
			 c ? "a candidate" : "protected", cand ? "a candidate" : "protected",
			 it->rule, it->reason);
	if (rule && strcmp(it->rule, rule))
		fail_msg("'%s': rule '%s', expected '%s' (%s)", object, it->rule, rule, it->reason);
	if (reason && strcmp(it->reason, reason))
		fail_msg("'%s': reason\n  '%s'\nexpected\n  '%s'", object, it->reason, reason);
	return it;
}

static size_t cand_pos(const struct rc_plan *p, const char *object)
{
	int c;
	size_t pos;

	find_item(p, object, &c, &pos);
	assert_true(c);
	return pos;
}

#define M(r, c)                                                                                    \
	r "@sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	    c c c c c c c c c c c c c c c c c c c c c c c c c
#define SHORT(c) "sha256:" c c c c c c c c c c c c

static void objects_of(struct rc_inventory *inv, const struct rc_reg_scan *s)
{
	struct rc_err err = RC_ERR_INIT;

	rc_inventory_init(inv);
	if (rc_registry_objects(inv, s, &err) != 0)
		fail_msg("%s", err.msg);
}

/* ---- the graph ------------------------------------------------------------------- */

/* A candidate tag on a digest a kept tag names: only the tag goes. */
static void test_shared_digest_untags_only(void **state)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	const struct rc_plan_item *it;

	(void)state;
	scan_init(&s);
	r = repo(&s, "team/app");
	image(r, 'a', NOW - 40 * DAY, '1', "x:1000");
	tag(r, "latest", 'a');
	tag(r, "old", 'a');
	objects_of(&inv, &s);
	flags_policy(&pol, "latest", 30 * DAY, 0, NULL, 0);
	build(&inv, &pol, &plan);

	assert_int_equal(plan.n_candidates, 1);
	it =
	    expect(&plan, "team/app:old", 1, "registry-tags",
		   "names " SHORT("a") ", age 40d > 30d; only the tag goes: manifest "
				       "'team/app@" SHORT("a") "' stays for tag 'team/app:latest'");
	assert_string_equal(it->id, "reg/tag/team/app:old");
	assert_string_equal(it->pre.digest,
			    "sha256:"
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(it->reclaimable, 0);
	expect(&plan, "team/app:latest", 0, "keep-tag",
	       "tag 'team/app:latest' matches keep regex 'latest'");
	expect(&plan, M("team/app", "a"), 0, "keep-tag",
	       "tag 'team/app:latest' stays: tag 'team/app:latest' matches keep regex 'latest'");
	assert_int_equal(plan.summary.bytes_freed_after_gc, 0);
	assert_int_equal(plan.summary.bytes_freed_now, 0);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

/* Every tag a candidate: the manifest goes first, naming the collateral. */
static void test_all_tags_candidates_delete_the_manifest(void **state)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	const struct rc_plan_item *it;

	(void)state;
	scan_init(&s);
	r = repo(&s, "team/app");
	image(r, 'b', NOW - 40 * DAY, '1', "x:1000 y:24");
	tag(r, "1.0", 'b');
	tag(r, "1.1", 'b');
	objects_of(&inv, &s);
	flags_policy(&pol, NULL, 30 * DAY, 0, NULL, 0);
	build(&inv, &pol, &plan);

	assert_int_equal(plan.n_candidates, 3);
	it = expect(&plan, M("team/app", "b"), 1, "registry-tags",
		    "deleting 'team/app@" SHORT("b") "' also removes tags 'team/app:1.0' and "
						     "'team/app:1.1', all candidates");
	assert_int_equal(it->pre.tags.n, 2);
	assert_string_equal(it->pre.tags.v[0], "team/app:1.0");
	assert_string_equal(it->pre.tags.v[1], "team/app:1.1");
	assert_string_equal(it->name, "team/app:1.0");
	assert_int_equal(it->size, 10 + 100 + 1024);
	assert_int_equal(it->reclaimable, 10 + 100 + 1024);
	assert_int_equal(cand_pos(&plan, M("team/app", "b")), 0);
	expect(&plan, "team/app:1.0", 1, "registry-tags",
	       "names " SHORT("b") ", age 40d > 30d; goes with manifest 'team/app@" SHORT(
		   "b") "', deleted before it");
	assert_int_equal(cand_pos(&plan, "team/app:1.0"), 1);
	assert_int_equal(cand_pos(&plan, "team/app:1.1"), 2);
	assert_int_equal(plan.summary.bytes_freed_after_gc, 1134);
	assert_int_equal(plan.summary.bytes_freed_now, 0);
	assert_int_equal(plan.summary.bytes_by_kind[RC_KIND_MANIFEST], 1134);
	assert_int_equal(plan.summary.count_by_kind[RC_KIND_TAG], 2);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

/* An index takes its children, but a child another kept index lists stays. */
static void test_index_takes_children_unless_kept_elsewhere(void **state)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;

	(void)state;
	scan_init(&s);
	r = repo(&s, "multi");
	image(r, 'c', NOW - 50 * DAY, '1', "x:1");
	image(r, 'd', NOW - 45 * DAY, '2', "y:1");
	image(r, 'e', NOW - 2 * DAY, '3', "z:1");
	index_of(r, 'f', "cd"); /* old: its age is its newest child's, 45d */
	index_of(r, '9', "de"); /* new: e is 2d old */
	tag(r, "old", 'f');
	tag(r, "new", '9');
	objects_of(&inv, &s);
	flags_policy(&pol, NULL, 30 * DAY, 0, NULL, 0);
	build(&inv, &pol, &plan);

	assert_int_equal(plan.n_candidates, 3);
	expect(&plan, M("multi", "f"), 1, "registry-tags",
	       "deleting 'multi@" SHORT("f") "' also removes tag 'multi:old', a candidate");
	expect(&plan, M("multi", "c"), 1, "registry-tags",
	       "child of manifest 'multi@" SHORT("f") "', which this plan deletes");
	expect(&plan, M("multi", "d"), 0, "graph", "child of kept manifest 'multi@" SHORT("9") "'");
	expect(&plan, M("multi", "e"), 0, "graph", "child of kept manifest 'multi@" SHORT("9") "'");
	expect(&plan, M("multi", "9"), 0, "registry-tags", "tag 'multi:new' stays: age 2d <= 30d");
	expect(&plan, "multi:old", 1, "registry-tags", NULL);
	/* the index before its child, manifests before tags */
	assert_int_equal(cand_pos(&plan, M("multi", "f")), 0);
	assert_int_equal(cand_pos(&plan, M("multi", "c")), 1);
	assert_int_equal(cand_pos(&plan, "multi:old"), 2);
	/* c's blobs and f's body; d's stay with the kept index */
	assert_int_equal(plan.summary.bytes_freed_after_gc, (10 + 100 + 1) + 10);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

/* A signature follows its subject: deleted with it (its tag too, though no
 * rule selects that tag), kept with it. */
static void test_referrer_follows_subject(void **state)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_reg_manifest *sig;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;

	(void)state;
	scan_init(&s);
	r = repo(&s, "app");
	image(r, 'a', NOW - 40 * DAY, '1', "x:5");
	image(r, 'b', NOW - 40 * DAY, '2', "y:5");
	sig = image(r, '5', 0, '3', "s:7");
	sig->subject = dg('a');
	sig->artifact_type = xs("application/vnd.dev.cosign.artifact.sig.v1+json");
	sig = image(r, '6', 0, '4', "t:7");
	sig->subject = dg('b');
	tag(r, "v1", 'a');
	tag(r, "sha256-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sig", '5');
	tag(r, "v2", 'b');
	tag(r, "keep", 'b');
	tag(r, "sha256-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.sig", '6');
	objects_of(&inv, &s);
	flags_policy(&pol, "keep", 30 * DAY, 0, "v[0-9]+", 0);
	build(&inv, &pol, &plan);

	expect(&plan, M("app", "5"), 1, "registry-tags",
	       "referrer of manifest 'app@" SHORT(
		   "a") "', which this plan deletes; deleting it "
			"also removes tag "
			"'app:sha256-"
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sig'");
	expect(&plan,
	       "app:sha256-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sig", 1,
	       "registry-tags", NULL);
	expect(&plan, M("app", "a"), 1, "registry-tags", NULL);
	/* the subject before its referrer: a failed subject delete keeps its
	 * signature (docs/policy.md, "Order of the plan") */
	assert_true(cand_pos(&plan, M("app", "a")) < cand_pos(&plan, M("app", "5")));
	/* b stays for its kept tag: its signature and the signature's tag stay */
	expect(&plan, M("app", "6"), 0, "graph", "referrer of kept manifest 'app@" SHORT("b") "'");
	expect(&plan,
	       "app:sha256-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.sig", 0,
	       "no-rule", NULL);
	expect(&plan, "app:v2", 1, "registry-tags", NULL);
	assert_int_equal(plan.n_candidates, 5);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

static int coll_of(const struct rc_plan *p, const char *object)
{
	int cand = 0;
	size_t pos = 0;
	const struct rc_plan_item *it = find_item(p, object, &cand, &pos);

	assert_true(cand);
	return rp_item_is_collateral(it);
}

/* The summary groups registry candidates by repository: tags, manifests,
 * the collateral among them (an index's child, a referrer and its tag, none
 * of which a rule chose) and the bytes after GC; the same for the plan read
 * back from its file. */
static void test_summary_by_repository(void **state)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_reg_manifest *sig;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan, back;
	struct rc_err err = RC_ERR_INIT;
	char path[] = "/tmp/test_registry_summaryXXXXXX";
	int fd, pass;

	(void)state;
	scan_init(&s);
	r = repo(&s, "app");
	image(r, 'a', NOW - 40 * DAY, '1', "x:5");
	sig = image(r, '5', 0, '3', "s:7");
	sig->subject = dg('a');
	tag(r, "v1", 'a');
	tag(r, "sha256-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sig", '5');
	r = repo(&s, "multi");
	image(r, 'c', NOW - 50 * DAY, '6', "y:1");
	image(r, 'd', NOW - 45 * DAY, '7', "z:1");
	index_of(r, 'f', "cd");
	tag(r, "old", 'f');
	tag(r, "v2", 'd'); /* chosen by the rule itself, with its manifest */
	objects_of(&inv, &s);
	flags_policy(&pol, NULL, 30 * DAY, 0, "v[0-9]+|old", 0);
	build(&inv, &pol, &plan);

	/* what is collateral, item by item */
	assert_false(coll_of(&plan, M("app", "a")));
	assert_false(coll_of(&plan, "app:v1"));
	assert_true(coll_of(&plan, M("app", "5")));
	assert_true(coll_of(
	    &plan,
	    "app:sha256-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sig"));
	assert_false(coll_of(&plan, M("multi", "f")));
	assert_true(coll_of(&plan, M("multi", "c")));
	assert_false(coll_of(&plan, "multi:old"));
	/* d's own tag was chosen, but d goes as a child of the index */
	assert_true(coll_of(&plan, M("multi", "d")));
	assert_false(coll_of(&plan, "multi:v2"));
	assert_int_equal(plan.n_candidates, 9);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(rc_plan_write(&plan, path, &err), 0);
	assert_int_equal(rc_plan_load(path, &back, &err), 0);
	unlink(path);
	for (pass = 0; pass < 2; pass++) {
		char *mem = NULL, src[64], repo_[64], gc[32];
		size_t memlen = 0, tags, mans, coll;
		const char *line;
		FILE *f = open_memstream(&mem, &memlen);

		assert_non_null(f);
		rp_summary_print(f, pass ? &back : &plan, "plan.json", RP_SUMMARY_NORMAL);
		fclose(f);
		assert_non_null(strstr(mem,
				       "\nBy repository (bytes free after the registry's GC):\n"
				       "SOURCE "));
		assert_non_null(strstr(mem, " TAGS MANIFESTS COLLATERAL    AFTER GC\n"));
		/* app: a (10 + 100 + 5) and its signature (10 + 100 + 7) */
		line = strstr(mem, "\nreg ");
		assert_non_null(line);
		assert_int_equal(
		    sscanf(line, "%63s %63s %zu %zu %zu %31s", src, repo_, &tags, &mans, &coll, gc),
		    6);
		assert_string_equal(repo_, "app");
		assert_int_equal(tags, 2);
		assert_int_equal(mans, 2);
		assert_int_equal(coll, 2);
		assert_string_equal(gc, "232B");
		/* multi: the index (10), c (10 + 100 + 1) and d (10 + 100 + 1),
		 * both children collateral */
		line = strstr(line + 1, "\nreg ");
		assert_non_null(line);
		assert_int_equal(
		    sscanf(line, "%63s %63s %zu %zu %zu %31s", src, repo_, &tags, &mans, &coll, gc),
		    6);
		assert_string_equal(repo_, "multi");
		assert_int_equal(tags, 2);
		assert_int_equal(mans, 3);
		assert_int_equal(coll, 2);
		assert_string_equal(gc, "232B");
		assert_null(strstr(line + 1, "\nreg "));
		free(mem);
	}
	rc_plan_release(&back);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

/* A signature made after its image (cosign signs at release) takes no
 * keep_last slot: keep 2 keeps the two newest images with their
 * signatures, and the oldest image goes with its own. */
static void test_signatures_take_no_keep_last_slot(void **state)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_reg_manifest *sig;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	char sig_tag[80];

	(void)state;
	scan_init(&s);
	r = repo(&s, "ci/app");
	image(r, '1', NOW - 30 * DAY, 'a', "x:1");
	image(r, '2', NOW - 20 * DAY, 'b', "y:1");
	image(r, '3', NOW - 10 * DAY, 'c', "z:1");
	tag(r, "v1", '1');
	tag(r, "v2", '2');
	tag(r, "v3", '3');
	for (char c = '1'; c <= '3'; c++) {
		char sd = (char)('4' + (c - '1')); /* signatures 4, 5, 6 */
		sig = image(r, sd, NOW - DAY, (char)('d' + (c - '1')), "w:1");
		sig->subject = dg(c);
		snprintf(sig_tag, sizeof(sig_tag), "sha256-%.64s.sig", sig->subject + 7);
		tag(r, sig_tag, sd);
	}
	objects_of(&inv, &s);
	flags_policy(&pol, NULL, -1, 2, NULL, 0);
	build(&inv, &pol, &plan);

	expect(&plan, "ci/app:v3", 0, "registry-tags", "rank 1 <= keep 2 in 'ci/app'");
	expect(&plan, "ci/app:v2", 0, "registry-tags", "rank 2 <= keep 2 in 'ci/app'");
	expect(&plan, "ci/app:v1", 1, "registry-tags", NULL);
	expect(&plan, M("ci/app", "1"), 1, "registry-tags", NULL);
	expect(&plan, M("ci/app", "4"), 1, "registry-tags", NULL); /* v1's signature */
	expect(&plan, M("ci/app", "5"), 0, NULL, NULL);
	expect(&plan, M("ci/app", "6"), 0, NULL, NULL);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

/* Sizes a registry claims add up without overflow: 2049 layers of 2^53-1
 * (a manifest built here, past the parser's bound) wrapped int64_t to about
 * 2^53 and the plan said 8 PiB; now the sum stops past 2^53 and the plan is
 * refused, as any size it cannot write exactly. */
static void test_huge_claimed_sizes_do_not_wrap(void **state)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_reg_manifest *m;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_err err = RC_ERR_INIT;
	char d[80];

	(void)state;
	scan_init(&s);
	r = repo(&s, "big");
	m = image(r, '1', NOW - 30 * DAY, 'a', NULL);
	m->layers = calloc(2049, sizeof(*m->layers));
	assert_non_null(m->layers);
	for (size_t k = 0; k < 2049; k++) {
		snprintf(d, sizeof(d), "sha256:%064zx", k + 1);
		m->layers[k].digest = xs(d);
		m->layers[k].size = INT64_C(9007199254740991);
	}
	m->n_layers = 2049;
	tag(r, "v1", '1');
	objects_of(&inv, &s);
	flags_policy(&pol, NULL, -1, 0, NULL, 0);
	rc_plan_init(&plan);
	if (rp_plan_build(&inv, &pol, NOW, DAY, &plan, &err) == 0)
		assert_int_equal(rc_plan_seal(&plan, &err), -1);
	assert_non_null(strstr(err.msg, "beyond 2^53-1"));
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

/* keep_last ranks digests by created time, newest first; equal times by
 * digest; the tags of one digest share its rank. */
static void test_keep_last_ranks_digests(void **state)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;

	(void)state;
	scan_init(&s);
	r = repo(&s, "ci/app");
	image(r, '1', NOW - 10 * DAY, 'a', "x:1");
	image(r, '2', NOW - 10 * DAY, 'b', "y:1"); /* ties with 1: 1 ranks first */
	image(r, '3', NOW - 5 * DAY, 'c', "z:1");
	image(r, '4', NOW - 20 * DAY, 'd', "w:1");
	tag(r, "b1", '1');
	tag(r, "b1-alias", '1');
	tag(r, "b2", '2');
	tag(r, "b3", '3');
	tag(r, "b4", '4');
	objects_of(&inv, &s);
	flags_policy(&pol, NULL, -1, 2, NULL, 0);
	build(&inv, &pol, &plan);

	expect(&plan, "ci/app:b3", 0, "registry-tags", "rank 1 <= keep 2 in 'ci/app'");
	expect(&plan, "ci/app:b1", 0, "registry-tags", "rank 2 <= keep 2 in 'ci/app'");
	expect(&plan, "ci/app:b1-alias", 0, "registry-tags", "rank 2 <= keep 2 in 'ci/app'");
	expect(&plan, "ci/app:b2", 1, "registry-tags",
	       "names " SHORT("2") ", rank 3 > keep 2; goes with manifest 'ci/app@" SHORT(
		   "2") "', deleted before it");
	expect(&plan, "ci/app:b4", 1, "registry-tags", NULL);
	expect(&plan, M("ci/app", "2"), 1, "registry-tags", NULL);
	expect(&plan, M("ci/app", "4"), 1, "registry-tags", NULL);
	assert_int_equal(plan.n_candidates, 4);
	/* manifests by identity, then tags by identity */
	assert_int_equal(cand_pos(&plan, M("ci/app", "2")), 0);
	assert_int_equal(cand_pos(&plan, M("ci/app", "4")), 1);
	assert_int_equal(cand_pos(&plan, "ci/app:b2"), 2);
	assert_int_equal(cand_pos(&plan, "ci/app:b4"), 3);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

/* --keep-refs: a tag (with or without the registry's host) and a digest. */
static void test_keep_refs(void **state)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rp_flags f;
	struct rc_plan plan;
	struct rc_err err = RC_ERR_INIT;
	char path[] = "/tmp/test_keep_refsXXXXXX";
	const char *text =
	    "# what runs today\n"
	    "127.0.0.1:5000/app:t1\n"
	    "  app@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb  # db\n"
	    "\n";
	FILE *fp;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	scan_init(&s);
	r = repo(&s, "app");
	image(r, 'a', NOW - 40 * DAY, '1', "x:1");
	image(r, 'b', NOW - 40 * DAY, '2', "y:1");
	image(r, 'c', NOW - 40 * DAY, '3', "z:1");
	tag(r, "t1", 'a');
	tag(r, "t2", 'a');
	tag(r, "t3", 'b');
	tag(r, "t4", 'c');
	objects_of(&inv, &s);
	rp_flags_init(&f);
	f.min_age = 0;
	f.older_than = 30 * DAY;
	if (rp_flags_read_refs(&f, path, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(f.keep_refs.n, 2);
	assert_int_equal(rp_policy_from_flags(&f, &pol, &err), 0);
	build(&inv, &pol, &plan);

	expect(&plan, "app:t1", 0, "keep-ref", "ref '127.0.0.1:5000/app:t1' is protected");
	expect(&plan, "app:t2", 1, "registry-tags", NULL);
	expect(&plan, M("app", "a"), 0, "keep-ref", NULL);
	expect(
	    &plan, M("app", "b"), 0, "keep-ref",
	    "ref 'app@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' is "
	    "protected");
	expect(&plan, "app:t3", 0, "keep-ref", NULL);
	expect(&plan, M("app", "c"), 1, "registry-tags", NULL);
	assert_int_equal(plan.n_candidates, 3);

	/* a bad line names the file and line */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("app:ok\nnot a ref\n", fp);
	fclose(fp);
	rp_flags_release(&f);
	rp_flags_init(&f);
	assert_int_equal(rp_flags_read_refs(&f, path, &err), -1);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	assert_non_null(strstr(err.msg, ":2: 'not a ref' is not a ref"));
	rp_flags_release(&f);
	unlink(path);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

/* A container on the engine scanned in the same run protects the manifest
 * its image was pulled as, and that manifest's tags. */
/* The engine pulled from the registry as host (host:port); the registry
 * is scanned as http://127.0.0.1:5000. */
static void in_use_as(const char *host)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_err err = RC_ERR_INIT;
	struct rc_image *img;
	struct rc_container *c;
	char *ref, tagref[80], why[200];

	scan_init(&s);
	r = repo(&s, "team/app");
	image(r, 'a', NOW - 40 * DAY, '1', "x:1");
	image(r, 'b', NOW - 40 * DAY, '2', "y:1");
	tag(r, "1", 'a');
	tag(r, "2", 'b');

	rc_inventory_init(&inv);
	inv.engine.id = xs("ABCD");
	inv.engine.name = xs("host");
	inv.engine.api_version = xs("1.41");
	inv.engine.endpoint = xs("unix:///run/docker.sock");
	inv.images = calloc(1, sizeof(*inv.images));
	img = &inv.images[0];
	inv.n_images = 1;
	img->id = dg('e');
	img->parent_id = xs("");
	img->created = NOW - 40 * DAY;
	img->size = 1;
	img->shared_size = -1;
	img->containers = -1;
	snprintf(tagref, sizeof(tagref), "%s/team/app:1", host);
	assert_int_equal(rc_strv_push(&img->repo_tags, tagref, &err), 0);
	ref = rc_asprintf(&err, "%s/team/app@sha256:%.64s", host,
			  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_non_null(ref);
	assert_int_equal(rc_strv_push(&img->repo_digests, ref, &err), 0);
	inv.containers = calloc(1, sizeof(*inv.containers));
	c = &inv.containers[0];
	inv.n_containers = 1;
	c->id = xs("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	c->name = xs("web");
	c->image = dg('e');
	c->image_id = dg('e');
	c->state = xs("running");
	c->created = NOW - DAY;
	if (rc_engine_objects(&inv, "engine", &err) != 0 ||
	    rc_registry_objects(&inv, &s, &err) != 0)
		fail_msg("%s", err.msg);
	flags_policy(&pol, NULL, 30 * DAY, 0, NULL, 0);
	build(&inv, &pol, &plan);

	snprintf(why, sizeof(why), "in use by running container 'web' on engine 'engine' (as %s)",
		 ref);
	expect(&plan, M("team/app", "a"), 0, "in-use", why);
	expect(&plan, "team/app:1", 0, "in-use", NULL);
	expect(&plan, M("team/app", "b"), 1, "registry-tags", NULL);
	expect(&plan, "team/app:2", 1, "registry-tags", NULL);
	/* one plan, both sources; the engine's by_kind and the registry's */
	assert_int_equal(plan.n_sources, 2);
	assert_string_equal(plan.sources[1].type, "registry");
	assert_string_equal(rc_plan_source_str(&plan.sources[1], "url"), "http://127.0.0.1:5000");
	free(ref);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

static void test_in_use_on_engine_protects(void **state)
{
	(void)state;
	in_use_as("127.0.0.1:5000");
}

/* localhost, 127.0.0.1 and [::1] are one registry on one port: a registry
 * run locally is commonly pulled from as localhost:5000 and scanned as
 * 127.0.0.1:5000; the running image's manifest was a candidate. */
static void test_in_use_through_a_loopback_alias(void **state)
{
	(void)state;
	in_use_as("localhost:5000");
	in_use_as("[::1]:5000");
}

/* After-GC bytes: the blobs only deleted manifests use, once each, across
 * repositories; a partial scan says they are an upper bound. */
static void test_after_gc_bytes_and_partial(void **state)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	const struct rc_plan_item *it;

	(void)state;
	scan_init(&s);
	s.partial = 1;
	r = repo(&s, "a");
	image(r, '1', NOW - 40 * DAY, 'c', "s:1000 u:7"); /* s shared with a kept one */
	image(r, '2', NOW - 40 * DAY, 'd', "s:1000 v:9"); /* kept */
	tag(r, "old", '1');
	tag(r, "keep", '2');
	r = repo(&s, "b");
	image(r, '3', NOW - 40 * DAY, 'c', "u:7 w:3"); /* shares config c and u with a@1 */
	tag(r, "old", '3');
	objects_of(&inv, &s);
	flags_policy(&pol, "keep", 30 * DAY, 0, NULL, 0);
	build(&inv, &pol, &plan);

	/* freed: a@1's body (10); b@3's body (10) and w (3); c and u, shared by
	 * two deleted manifests, once each (100 + 7); s stays with a@2 */
	assert_int_equal(plan.summary.bytes_freed_after_gc, 10 + 10 + 3 + 100 + 7);
	assert_int_equal(plan.summary.bytes_freed_now, 0);
	it = expect(
	    &plan, M("a", "1"), 1, "registry-tags",
	    "deleting 'a@" SHORT(
		"1") "' also removes tag 'a:old', a candidate; bytes "
		     "after GC are an upper bound: the scan covered part of the registry, and "
		     "other repositories may use these blobs");
	assert_int_equal(it->reclaimable, 10);
	it = expect(&plan, M("b", "3"), 1, "registry-tags", NULL);
	assert_int_equal(it->reclaimable, 13);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

/* An untagged manifest goes only with --untagged; without any registry
 * rule nothing of a registry is proposed. */
static void test_untagged_and_no_rule(void **state)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;

	(void)state;
	scan_init(&s);
	r = repo(&s, "app");
	image(r, 'a', NOW - 40 * DAY, '1', "x:1");
	image(r, 'b', NOW - 40 * DAY, '2', "y:1");
	tag(r, "t", 'b');
	objects_of(&inv, &s);

	flags_policy(&pol, NULL, -1, 0, NULL, 0);
	build(&inv, &pol, &plan);
	assert_int_equal(plan.n_candidates, 0);
	expect(&plan, M("app", "a"), 0, "no-rule",
	       "untagged: only a rule with tagged: false "
	       "selects it (--untagged)");
	expect(&plan, "app:t", 0, "no-rule", NULL);
	expect(&plan, M("app", "b"), 0, "no-rule", NULL);
	rc_plan_release(&plan);
	rp_policy_release(&pol);

	flags_policy(&pol, NULL, 30 * DAY, 0, NULL, 1);
	build(&inv, &pol, &plan);
	expect(&plan, M("app", "a"), 1, "registry-untagged", "untagged, age 40d > 30d");
	assert_int_equal(plan.candidates[0].pre.tags.n, 0);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

/* ---- policy flags ---------------------------------------------------------------- */

static void test_policy_from_registry_flags(void **state)
{
	struct rp_flags f;
	struct rp_policy pol;
	struct rc_err err = RC_ERR_INIT;
	cJSON *j;
	char *text;

	(void)state;
	rp_flags_init(&f);
	f.keep_last = 3;
	f.older_than = 7 * DAY;
	f.match_tags = xs("ci-.*");
	f.untagged = 1;
	assert_int_equal(rc_strv_push(&f.keep_tags_regex, "latest|v[0-9]+", &err), 0);
	assert_int_equal(rp_policy_from_flags(&f, &pol, &err), 0);
	j = rp_policy_to_json(&pol, &err);
	text = cJSON_PrintUnformatted(j);
	assert_non_null(strstr(text, "\"tags_regex\":[\"latest|v[0-9]+\"]"));
	assert_non_null(strstr(text,
			       "{\"name\":\"registry-tags\",\"kinds\":[\"tag\"],\"tag_include\":"
			       "\"ci-.*\",\"older_than\":\"1w\",\"keep_last\":3}"));
	assert_non_null(strstr(text, "{\"name\":\"registry-untagged\",\"kinds\":[\"manifest\"],"
				     "\"tagged\":false,\"older_than\":\"1w\"}"));
	free(text);
	cJSON_Delete(j);
	rp_policy_release(&pol);

	/* a policy file's rules select: registry selection flags are refused */
	rp_policy_init(&pol);
	assert_int_equal(rp_policy_apply_flags(&pol, &f, &err), -1);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	assert_non_null(strstr(err.msg, "--keep-last cannot be combined with --policy"));
	rp_policy_release(&pol);
	rp_flags_release(&f);

	/* a bad regex is a usage error */
	rp_flags_init(&f);
	f.match_tags = xs("(");
	assert_int_equal(rp_policy_from_flags(&f, &pol, &err), -1);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	rp_flags_release(&f);

	/* without registry flags the policy is the engine default, unchanged */
	rp_flags_init(&f);
	assert_int_equal(rp_policy_from_flags(&f, &pol, &err), 0);
	assert_int_equal(pol.n_rules, 4);
	j = rp_policy_to_json(&pol, &err);
	text = cJSON_PrintUnformatted(j);
	assert_null(strstr(text, "tags_regex"));
	assert_null(strstr(text, "registry"));
	free(text);
	cJSON_Delete(j);
	rp_policy_release(&pol);
	rp_flags_release(&f);
}

/* A policy file's rule for every kind leaves a registry alone; one naming
 * the registry's kind or source does not. */
static void test_rule_for_everything_leaves_registries_alone(void **state)
{
	struct rc_reg_scan s;
	struct rc_reg_repo *r;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_err err = RC_ERR_INIT;
	const char *all = "{\"version\":1,\"protect\":{\"min_age\":\"0\"},"
			  "\"rules\":[{\"name\":\"all\",\"older_than\":\"1d\"}]}";
	const char *reg = "{\"version\":1,\"protect\":{\"min_age\":\"0\"},"
			  "\"rules\":[{\"name\":\"reg\",\"sources\":[\"registry\"]}]}";

	(void)state;
	scan_init(&s);
	r = repo(&s, "app");
	image(r, 'a', NOW - 40 * DAY, '1', "x:1");
	tag(r, "t", 'a');
	objects_of(&inv, &s);
	assert_int_equal(rp_policy_parse(all, strlen(all), "p.json", &pol, &err), 0);
	build(&inv, &pol, &plan);
	assert_int_equal(plan.n_candidates, 0);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	assert_int_equal(rp_policy_parse(reg, strlen(reg), "p.json", &pol, &err), 0);
	build(&inv, &pol, &plan);
	assert_int_equal(plan.n_candidates, 2);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	rc_reg_scan_release(&s);
}

/* ---- plan items -------------------------------------------------------------------- */

static void test_check_item(void **state)
{
	const struct rc_source_ops *ops = rc_source_find("registry");
	struct rc_plan_item it;
	struct rc_err err = RC_ERR_INIT;
	static const char *const bad_tags[] = {"App:1",	   "app:",	     "app:.x",	"/app:1",
					       "app//x:1", "app:1@sha256:0", "a__-b:1", "app"};
	size_t i;

	(void)state;
	assert_non_null(ops);
	assert_int_equal(ops->frees_at_once, 0);
	assert_int_equal(ops->n_kinds, 2);
	assert_int_equal(ops->kinds[0], RC_KIND_MANIFEST);
	memset(&it, 0, sizeof(it));
	it.kind = RC_KIND_TAG;
	it.object = (char *)"team/my_app.x-y__z:V1.2_rc-3";
	it.name = (char *)"team/my_app.x-y__z:V1.2_rc-3";
	it.refs.v = &it.object;
	it.refs.n = 1;
	if (ops->check_item(&it, 1, "plan.candidates[0]", &err) != 0)
		fail_msg("%s", err.msg);
	for (i = 0; i < sizeof(bad_tags) / sizeof(bad_tags[0]); i++) {
		it.object = (char *)bad_tags[i];
		it.name = (char *)bad_tags[i];
		if (ops->check_item(&it, 1, "plan.candidates[0]", &err) == 0)
			fail_msg("'%s' passed", bad_tags[i]);
		assert_non_null(strstr(err.msg, "plan.candidates[0].object:"));
	}
	it.object = (char *)"app:1";
	it.name = (char *)"app:2";
	assert_int_equal(ops->check_item(&it, 1, "p", &err), -1);
	assert_non_null(strstr(err.msg, "p.name: 'app:2' is not tag 'app:1'"));

	it.kind = RC_KIND_MANIFEST;
	it.object =
	    (char *)"app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	it.name = (char *)"other:1";
	it.refs.v = &it.name;
	assert_int_equal(ops->check_item(&it, 0, "p", &err), -1);
	assert_non_null(strstr(err.msg, "p.refs: 'other:1' is not a tag of the repository"));
	it.name = (char *)"app:1";
	assert_int_equal(ops->check_item(&it, 0, "p", &err), 0);
	/* a candidate's refs are its preconditions.tags */
	assert_int_equal(ops->check_item(&it, 1, "p", &err), -1);
	assert_non_null(strstr(err.msg, "differ from its preconditions.tags"));
	it.object =
	    (char *)"app@sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	assert_int_equal(ops->check_item(&it, 0, "p", &err), -1);
	it.kind = RC_KIND_IMAGE;
	assert_int_equal(ops->check_item(&it, 0, "p", &err), -1);
	assert_non_null(strstr(err.msg, "p.kind: a registry holds no image"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shared_digest_untags_only),
	    cmocka_unit_test(test_all_tags_candidates_delete_the_manifest),
	    cmocka_unit_test(test_index_takes_children_unless_kept_elsewhere),
	    cmocka_unit_test(test_referrer_follows_subject),
	    cmocka_unit_test(test_summary_by_repository),
	    cmocka_unit_test(test_keep_last_ranks_digests),
	    cmocka_unit_test(test_signatures_take_no_keep_last_slot),
	    cmocka_unit_test(test_huge_claimed_sizes_do_not_wrap),
	    cmocka_unit_test(test_keep_refs),
	    cmocka_unit_test(test_in_use_on_engine_protects),
	    cmocka_unit_test(test_in_use_through_a_loopback_alias),
	    cmocka_unit_test(test_after_gc_bytes_and_partial),
	    cmocka_unit_test(test_untagged_and_no_rule),
	    cmocka_unit_test(test_policy_from_registry_flags),
	    cmocka_unit_test(test_rule_for_everything_leaves_registries_alone),
	    cmocka_unit_test(test_check_item),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
