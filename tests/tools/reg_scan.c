/* reg_scan: drives the registry client for the e2e tests and prints what it
 * finds as stable text.
 *
 *   reg_scan [-v] [--parallel N] [--page N] [--repos GLOB]... [--access pull|delete|push]
 *            [--username U --password-stdin] URL CMD [ARGS]
 *
 *   scan                     source, repos, tags and manifests, one per line
 *   head REPO REF            the digest REF names, or "absent"
 *   delete REPO DIGEST       "deleted" or "absent"
 *   untag REPO TAG NONCE     the placeholder untag, step by step
 *   tags REPO                the tags, one per line
 *
 * Credentials are looked up as the commands will (registry/creds.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "registry/client.h"
#include "units.h"

static void print_scan(const struct rc_reg_scan *s)
{
	printf("source %s %s partial=%d referrers=%d\n", s->name, s->url, s->partial,
	       s->referrers_api);
	for (size_t r = 0; r < s->n_repos; r++) {
		const struct rc_reg_repo *rp = &s->repos[r];
		printf("repo %s tags=%zu manifests=%zu\n", rp->name, rp->n_tags, rp->n_manifests);
		for (size_t t = 0; t < rp->n_tags; t++)
			printf("tag %s:%s %s\n", rp->name, rp->tags[t].name, rp->tags[t].digest);
		for (size_t m = 0; m < rp->n_manifests; m++) {
			const struct rc_reg_manifest *mf = &rp->manifests[m];
			char created[64] = "-";
			if (mf->created > 0)
				rc_format_time(mf->created, created, sizeof(created));
			printf("manifest %s@%s kind=%s size=%lld config=%s layers=%zu created=%s "
			       "platform=%s/%s subject=%s artifact=%s children=%zu\n",
			       rp->name, mf->digest,
			       mf->mkind == RC_REG_IMAGE   ? "image"
			       : mf->mkind == RC_REG_INDEX ? "index"
							   : "unsupported",
			       (long long)mf->size, mf->config.digest ? mf->config.digest : "-",
			       mf->n_layers, created, mf->os ? mf->os : "-",
			       mf->arch ? mf->arch : "-", mf->subject ? mf->subject : "-",
			       mf->artifact_type ? mf->artifact_type : "-", mf->children.n);
			for (size_t c = 0; c < mf->children.n; c++)
				printf("child %s@%s %s\n", rp->name, mf->digest, mf->children.v[c]);
			for (size_t l = 0; l < mf->n_layers; l++)
				printf("layer %s@%s %s %lld\n", rp->name, mf->digest,
				       mf->layers[l].digest, (long long)mf->layers[l].size);
		}
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: reg_scan [-v] [--parallel N] [--page N] [--repos GLOB]... "
			"[--access pull|delete|push] [--username U --password-stdin] URL CMD "
			"[ARGS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_reg_opts o;
	struct rc_reg_scan_opts so;
	struct rc_strv repos = {0};
	struct rc_creds creds;
	struct rc_creds_query q;
	struct rc_reg_client *c = NULL;
	const char *user = NULL;
	char pass[4096] = "", *canon = NULL;
	int i, rc = 1, pw = 0, verbose = 0;

	memset(&o, 0, sizeof(o));
	memset(&so, 0, sizeof(so));
	memset(&creds, 0, sizeof(creds));
	o.max_retries = -1;
	o.access = RC_REG_PULL;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "--parallel") && i + 1 < argc)
			o.parallel = (size_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--page") && i + 1 < argc)
			so.page_size = (size_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--repos") && i + 1 < argc)
			rc_strv_push(&repos, argv[++i], NULL);
		else if (!strcmp(argv[i], "--username") && i + 1 < argc)
			user = argv[++i];
		else if (!strcmp(argv[i], "--password-stdin"))
			pw = 1;
		else if (!strcmp(argv[i], "--access") && i + 1 < argc) {
			i++;
			o.access = !strcmp(argv[i], "push")
				       ? RC_REG_PULL | RC_REG_PUSH | RC_REG_DELETE
				   : !strcmp(argv[i], "delete") ? RC_REG_PULL | RC_REG_DELETE
								: RC_REG_PULL;
		} else
			return usage();
	}
	if (argc - i < 2)
		return usage();
	rc_log_init("reg_scan", verbose ? RC_LOG_VERBOSE : RC_LOG_NORMAL);
	if (pw) {
		size_t n = fread(pass, 1, sizeof(pass) - 1, stdin);
		pass[n] = '\0';
		pass[strcspn(pass, "\r\n")] = '\0';
	}
	if (rc_reg_canonical_url(argv[i], &canon, &err) < 0)
		goto out;
	memset(&q, 0, sizeof(q));
	q.host = strstr(canon, "://") + 3;
	q.username = user;
	q.password = pw ? pass : NULL;
	if (rc_creds_lookup(&q, &creds, &err) < 0)
		goto out;
	if (rc_creds_present(&creds))
		rc_log_verbose("credentials from the %s", creds.origin);
	o.url = argv[i];
	o.creds = &creds;
	if (!(c = rc_reg_open(&o, &err)))
		goto out;
	if (!strcmp(argv[i + 1], "scan")) {
		struct rc_reg_scan s;
		rc_reg_scan_init(&s);
		so.repos = &repos;
		if (rc_reg_scan(c, &so, &s, &err) == 0) {
			print_scan(&s);
			rc = 0;
		}
		rc_reg_scan_release(&s);
	} else if (!strcmp(argv[i + 1], "head") && argc - i == 4) {
		char *d = NULL;
		if (rc_reg_head_manifest(c, argv[i + 2], argv[i + 3], &d, &err) == 0) {
			printf("%s\n", d ? d : "absent");
			rc = 0;
		}
		free(d);
	} else if (!strcmp(argv[i + 1], "delete") && argc - i == 4) {
		int absent = 0;
		if (rc_reg_delete_manifest(c, argv[i + 2], argv[i + 3], &absent, &err) == 0) {
			printf("%s\n", absent ? "absent" : "deleted");
			rc = 0;
		}
	} else if (!strcmp(argv[i + 1], "tags") && argc - i == 3) {
		struct rc_strv t = {0};
		if (rc_reg_list_tags(c, argv[i + 2], so.page_size, &t, &err) == 0) {
			for (size_t k = 0; k < t.n; k++)
				printf("%s\n", t.v[k]);
			rc = 0;
		}
		rc_strv_release(&t);
	} else if (!strcmp(argv[i + 1], "untag") && argc - i == 5) {
		struct rc_reg_placeholder p;
		int absent = 0;
		const char *repo = argv[i + 2], *tag = argv[i + 3];
		if (rc_reg_placeholder_make(repo, tag, argv[i + 4], &p, &err) == 0) {
			if (rc_reg_blob_upload(c, repo, p.config, p.config_len, p.config_digest,
					       &err) == 0 &&
			    printf("step blob %s\n", p.config_digest) > 0 &&
			    rc_reg_manifest_put(c, repo, tag, RC_MT_OCI_MANIFEST, p.manifest,
						p.manifest_len, &err) == 0 &&
			    printf("step put %s\n", p.manifest_digest) > 0 &&
			    rc_reg_delete_manifest(c, repo, p.manifest_digest, &absent, &err) ==
				0) {
				printf("step delete %s %s\n", p.manifest_digest,
				       absent ? "absent" : "deleted");
				rc = 0;
			}
			rc_reg_placeholder_release(&p);
		}
	} else {
		rc = usage();
	}
out:
	if (rc == 1)
		fprintf(stderr, "reg_scan: error: %s\n", err.msg);
	rc_reg_free(c);
	rc_creds_release(&creds);
	rc_strv_release(&repos);
	free(canon);
	return rc;
}
