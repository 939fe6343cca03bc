/* reclaim-apply: apply an approved plan exactly, safely and idempotently.
 *
 * main() parses options, runs the refusals in order (plan, expiry, approval,
 * sources, journal, each source's identity), then hands the items to
 * ra_apply() and reports.
 * Exit statuses are the RA_EXIT_* table in apply.h. */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "fsutil.h"
#include "journal.h"
#include "log.h"
#include "plan.h"
#include "rate.h"
#include "registry/creds.h"
#include "run_report.h"
#include "sha256.h"
#include "source.h"
#include "units.h"

static const char usage_text[] =
    "Usage: reclaim-apply [OPTIONS] PLAN.json\n"
    "\n"
    "Apply a reviewed reclaim plan to the Docker Engine and registries it was made\n"
    "for. The plan is verified first (schema, digest, expiry, approval, each\n"
    "source's identity); any failure refuses the whole plan and deletes nothing.\n"
    "Then each item, in plan order, is re-checked against its source just before\n"
    "it is deleted: an item\n"
    "that no longer matches the plan is reported 'changed' and never deleted. A\n"
    "journal records progress, so a rerun after a crash or a timeout finishes the\n"
    "job and does nothing twice.\n"
    "\n"
    "Approval:\n"
    "      --approve sha256:HEX  apply only if the plan's digest is exactly HEX; the\n"
    "                            digest is printed by reclaim-plan and in the plan\n"
    "      --auto-approve        apply without a digest (unattended jobs that make\n"
    "                            and apply their own plan from a fixed policy)\n"
    "  Without either, the plan is summarised with the command that approves it,\n"
    "  and refused.\n"
    "\n"
    "Options:\n"
    "      --engine URL          Docker Engine to use: unix:///path or tcp://host:port\n"
    "                            (default: $DOCKER_HOST, else\n"
    "                            unix:///var/run/docker.sock; TLS with\n"
    "                            $DOCKER_TLS_VERIFY and $DOCKER_CERT_PATH; tcp://host\n"
    "                            without a port means 2375, or 2376 with TLS). The\n"
    "                            engine must report the engine ID recorded in the plan\n"
    "  Registries (Registry v2 / OCI, DTR / MSR 2-3, Harbor / MSR 4) are reached at the URL\n"
    "  the plan names (its identity), with\n"
    "  credentials looked up for that host as reclaim-plan does:\n"
    "      --username USER       registry user, with --password-stdin\n"
    "      --password-stdin      read the registry password from one line of stdin\n"
    "                            (else $RECLAIM_REGISTRY_USERNAME/_PASSWORD, else the\n"
    "                            Docker config's auths and credential helpers)\n"
    "      --tls-ca FILE         trust the CA certificates in FILE for registries\n"
    "      --tls-insecure        do not verify registries' TLS certificates\n"
    "      --parallel N          registry connections, and the manifests of a repository\n"
    "                            deleted together (default 16, 1 to 64; 1: one at a\n"
    "                            time); a repository's re-checks share one tag\n"
    "                            listing while it is at most 1 s old, whatever N\n"
    "      --max-rps N           send registries and DTRs at most N requests a second\n"
    "                            in all, evenly spaced (1 to 100000; default and 0:\n"
    "                            no limit)\n"
    "      --trigger-gc          after a run with no failed item, start a garbage\n"
    "                            collection on each Harbor it deleted from, and print\n"
    "                            its run ID (off by default; --dry-run starts none)\n"
    "      --timeout D           give up on a request a source has not answered\n"
    "                            within D, e.g. 30s or 2m (default 60s, at most 24h);\n"
    "                            a request that timed out is not retried, and after\n"
    "                            a re-check that timed out, the source's later items\n"
    "                            are not attempted (a rerun goes on)\n"
    "      --journal FILE        journal of this plan's progress (default: the plan's\n"
    "                            path with '.json' replaced by '.journal', e.g.\n"
    "                            plan.json -> plan.journal)\n"
    "      --dry-run             run every check, report what would happen, delete\n"
    "                            nothing and write no journal (read-only HTTP)\n"
    "      --report FILE         write a JSON report: one entry per item (id, kind,\n"
    "                            object, outcome, reason, bytes_freed, duration_ms)\n"
    "                            and totals\n"
    "      --junit FILE          write JUnit XML: one test case per item; deleted and\n"
    "                            already done pass, changed is skipped, failed fails\n"
    "                            (at most one of --report and --junit may be '-')\n"
    "      --fail-on-changed     exit 5 when any item changed since the plan\n"
    "      --fail-fast           stop at the first failed item (others: not-attempted)\n"
    "      --now TIME            the current time, RFC 3339, 1970 to 9998 (for tests\n"
    "                            and replays);\n"
    "                            decides whether the plan has expired. --now may\n"
    "                            only move the clock forward; it cannot revive an\n"
    "                            expired plan\n"
    "  -q, --quiet               no summary, progress or warnings; errors only\n"
    "  -v, --verbose             one line per item on stderr (twice: debug)\n"
    "  -h, --help                show this help and exit\n"
    "      --version             show the version and exit\n"
    "  The plan, the journal, the report and the JUnit file must be different\n"
    "  files (usage error otherwise); a journal that is a symbolic link or not a\n"
    "  regular file is refused, and the report and JUnit paths are checked before\n"
    "  anything is deleted.\n"
    "\n"
    "Outcomes per item:\n"
    "  deleted         removed by this run\n"
    "  already-absent  not there any more (HTTP 404): counts as done\n"
    "  already-done    the journal records it deleted or absent: not touched\n"
    "  changed         differs from the plan, or was used since planning (e.g. an\n"
    "                  image now used by a container, a tag that moved, a\n"
    "                  container that ran, a volume mounted by a container since\n"
    "                  removed, use the engine's event log can no longer rule\n"
    "                  out, the daemon answered 409, or 403 'active endpoints'\n"
    "                  for a network; a registry tag that names another digest,\n"
    "                  or a tag outside the plan now naming a manifest; a Harbor\n"
    "                  artifact pulled since planning (a pull is a use) or\n"
    "                  signed since, an accessory or tag of one that stayed,\n"
    "                  or Harbor's 412 for an immutable tag): skipped,\n"
    "                  never deleted or forced\n"
    "  failed          the engine could not be asked or answered an error, after\n"
    "                  bounded retries of transient errors\n"
    "  would-delete    --dry-run: every check passed\n"
    "  not-attempted   --fail-fast stopped before this item\n"
    "\n"
    "Exit status:\n"
    "  0  every item done; changed items count as success\n"
    "  1  error: engine unreachable, journal or report not writable, ... (nothing\n"
    "     or part of the plan was applied; a rerun continues)\n"
    "  2  usage error\n"
    "  3  some deletions failed (the others were applied)\n"
    "  4  refused, nothing touched: unapproved, digest mismatch (tampered), expired,\n"
    "     wrong engine, invalid plan, unknown plan version, journal of another plan\n"
    "  5  changed items present, with --fail-on-changed\n"
    "\n"
    "Bytes reclaimed are the sum of the plan's 'reclaimable' figures of the items\n"
    "deleted: the engine does not report what an image deletion really frees. It\n"
    "is a lower bound: items found already absent count nothing. A registry frees\n"
    "its blobs only when its garbage collection runs (registry garbage-collect).\n"
    "\n"
    "Examples:\n"
    "  reclaim-plan -o plan.json                  # review plan.json, note its digest\n"
    "  reclaim-apply plan.json                    # shows the plan and how to approve\n"
    "  reclaim-apply --approve sha256:... plan.json\n"
    "  reclaim-apply --dry-run --auto-approve plan.json\n"
    "\n"
    "See reclaim-apply(1) and docs/apply.md.\n";

struct cli {
	const char *plan_path;
	const char *approve;
	int auto_approve;
	const char *engine;
	const char *journal;
	int dry_run;
	const char *report;
	const char *junit;
	int fail_on_changed;
	int fail_fast;
	int have_now;
	int64_t now;
	long timeout_ms;
	int verbose;
	int quiet;
	const char *username;
	int password_stdin;
	const char *tls_ca;
	int tls_insecure;
	size_t parallel;
	long max_rps; /* 0: no limit */
	int trigger_gc; /* --trigger-gc */
};

static int usage_error(const char *fmt, const char *arg)
{
	char safe[256];

	rc_sanitize(safe, sizeof(safe), arg ? arg : "");
	fprintf(stderr, "reclaim-apply: ");
	fprintf(stderr, fmt, safe);
	fprintf(stderr, "\nTry 'reclaim-apply --help'.\n");
	return RA_EXIT_USAGE;
}

/* --trigger-gc: each source whose type has a garbage collection to start
 * and that this run deleted from starts one; its ID goes to stdout. -1
 * when one could not be started (after saying why). */
static int trigger_gc(const struct ra_sources *srcs, int quiet)
{
	struct rc_err err = RC_ERR_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < srcs->n; i++) {
		const struct ra_source *s = &srcs->v[i];
		char id[64], title[320];
		if (!s->s || !s->ops->trigger_gc)
			continue;
		s->ops->source_title(s->planned, title, sizeof(title));
		if (s->ops->trigger_gc(s->s, id, sizeof(id), &err) < 0) {
			rc_log_error("%s", err.msg);
			rc_err_clear(&err);
			rc = -1;
		} else if (id[0] && !quiet) {
			printf("Garbage collection started on %s: run %s\n", title, id);
		} else if (!id[0]) {
			rc_log_verbose("%s: nothing deleted, no garbage collection started", title);
		}
	}
	return rc;
}

/* 0 to go on, else the exit status (help, version, usage error) + 100. */
static int parse_cli(int argc, char **argv, struct cli *c)
{
	enum {
		OPT_APPROVE = 256,
		OPT_AUTO,
		OPT_ENGINE,
		OPT_JOURNAL,
		OPT_DRY,
		OPT_REPORT,
		OPT_JUNIT,
		OPT_FAIL_CHANGED,
		OPT_FAIL_FAST,
		OPT_NOW,
		OPT_TIMEOUT,
		OPT_VERSION,
		OPT_USERNAME,
		OPT_PASSWORD_STDIN,
		OPT_TLS_CA,
		OPT_TLS_INSECURE,
		OPT_PARALLEL,
		OPT_MAX_RPS,
		OPT_TRIGGER_GC,
	};
	static const struct option longopts[] = {
	    {"approve", required_argument, NULL, OPT_APPROVE},
	    {"auto-approve", no_argument, NULL, OPT_AUTO},
	    {"engine", required_argument, NULL, OPT_ENGINE},
	    {"journal", required_argument, NULL, OPT_JOURNAL},
	    {"dry-run", no_argument, NULL, OPT_DRY},
	    {"report", required_argument, NULL, OPT_REPORT},
	    {"junit", required_argument, NULL, OPT_JUNIT},
	    {"fail-on-changed", no_argument, NULL, OPT_FAIL_CHANGED},
	    {"fail-fast", no_argument, NULL, OPT_FAIL_FAST},
	    {"now", required_argument, NULL, OPT_NOW},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {"username", required_argument, NULL, OPT_USERNAME},
	    {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
	    {"tls-ca", required_argument, NULL, OPT_TLS_CA},
	    {"tls-insecure", no_argument, NULL, OPT_TLS_INSECURE},
	    {"parallel", required_argument, NULL, OPT_PARALLEL},
	    {"max-rps", required_argument, NULL, OPT_MAX_RPS},
	    {"trigger-gc", no_argument, NULL, OPT_TRIGGER_GC},
	    {NULL, 0, NULL, 0},
	};
	struct rc_err err = RC_ERR_INIT;
	int64_t secs;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":qvh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_APPROVE:
			if (!rc_digest_valid(optarg))
				return 100 + usage_error("invalid --approve '%s': expected "
							 "sha256:<64 lower-case hex digits>",
							 optarg);
			c->approve = optarg;
			break;
		case OPT_AUTO:
			c->auto_approve = 1;
			break;
		case OPT_ENGINE:
			if (!*optarg)
				return 100 + usage_error("empty --engine%s: want unix:///path or "
							 "tcp://host:port",
							 "");
			c->engine = optarg;
			break;
		case OPT_JOURNAL:
			if (!*optarg)
				return 100 + usage_error("empty --journal%s", "");
			c->journal = optarg;
			break;
		case OPT_DRY:
			c->dry_run = 1;
			break;
		case OPT_REPORT:
			c->report = optarg;
			break;
		case OPT_JUNIT:
			c->junit = optarg;
			break;
		case OPT_TRIGGER_GC:
			c->trigger_gc = 1;
			break;
		case OPT_FAIL_CHANGED:
			c->fail_on_changed = 1;
			break;
		case OPT_FAIL_FAST:
			c->fail_fast = 1;
			break;
		case OPT_NOW:
			if (rc_parse_now("--now", optarg, &c->now, &err) < 0)
				return 100 + usage_error("%s", err.msg);
			c->have_now = 1;
			break;
		case OPT_TIMEOUT:
			if (rc_parse_duration(optarg, &secs, &err) < 0 || secs <= 0 || secs > 86400)
				return 100 + usage_error("invalid --timeout '%s': want a duration "
							 "from 1s to 24h, e.g. 30s or 2m",
							 optarg);
			c->timeout_ms = (long)secs * 1000L;
			break;
		case OPT_USERNAME:
			c->username = optarg;
			break;
		case OPT_PASSWORD_STDIN:
			c->password_stdin = 1;
			break;
		case OPT_TLS_CA:
			c->tls_ca = optarg;
			break;
		case OPT_TLS_INSECURE:
			c->tls_insecure = 1;
			break;
		case OPT_PARALLEL:
			if (rc_parse_int64(optarg, &secs, &err) < 0 || secs < 1 || secs > 64)
				return 100 + usage_error("invalid --parallel '%s': want 1 to 64",
							 optarg);
			c->parallel = (size_t)secs;
			break;
		case OPT_MAX_RPS:
			if (rc_rate_parse(optarg, &c->max_rps, &err) < 0)
				return 100 + usage_error("%s", err.msg);
			break;
		case 'q':
			c->quiet = 1;
			break;
		case 'v':
			c->verbose++;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 100 + RA_EXIT_OK;
		case OPT_VERSION:
			printf("reclaim-apply %s\n", RC_VERSION);
			return 100 + RA_EXIT_OK;
		case ':':
			return 100 + usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return 100 + usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return 100 + usage_error("missing the plan file%s", "");
	if (optind + 1 < argc)
		return 100 + usage_error("unexpected argument '%s': give one plan file",
					 argv[optind + 1]);
	c->plan_path = argv[optind];
	if (c->quiet && c->verbose)
		return 100 + usage_error("--quiet and --verbose exclude each other%s", "");
	if (c->report && c->junit && strcmp(c->report, "-") == 0 && strcmp(c->junit, "-") == 0)
		return 100 + usage_error("--report and --junit both write to standard output%s: "
					 "give one of them a file",
					 "");
	if (c->password_stdin != !!c->username)
		return 100 + usage_error("--username and --password-stdin go together%s", "");
	if (c->password_stdin && strcmp(c->plan_path, "-") == 0)
		return 100 + usage_error("--password-stdin needs the plan from a file%s", "");
	if (strcmp(c->plan_path, "-") == 0 && !c->journal && !c->dry_run)
		return 100 + usage_error("a plan read from standard input needs --journal%s", "");
	return 0;
}

/* plan.json -> plan.journal; other names get ".journal" appended. */
static char *default_journal(const char *plan_path, struct rc_err *err)
{
	struct rc_buf b = RC_BUF_INIT;
	size_t n = strlen(plan_path);

	rc_buf_init(&b, 0);
	if (n > 5 && strcmp(plan_path + n - 5, ".json") == 0 && plan_path[n - 6] != '/') {
		if (rc_buf_append(&b, plan_path, n - 5, err) < 0)
			goto fail;
	} else if (rc_buf_puts(&b, plan_path, err) < 0) {
		goto fail;
	}
	if (rc_buf_puts(&b, ".journal", err) < 0)
		goto fail;
	return rc_buf_detach(&b);
fail:
	rc_buf_release(&b);
	return NULL;
}

/* The name to compare a path by: its real path when it exists, else the real
 * path of its directory plus its last component, else the path as given. NULL
 * when out of memory. */
static char *path_key(const char *path)
{
	char *r = realpath(path, NULL), *copy, *dir;
	const char *base = strrchr(path, '/');
	size_t n;

	if (r)
		return r;
	base = base ? base + 1 : path;
	if (!(copy = strdup(path)))
		return NULL;
	dir = realpath(dirname(copy), NULL);
	free(copy);
	if (!dir || !*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		free(dir);
		return strdup(path);
	}
	n = strlen(dir) + strlen(base) + 2;
	if ((r = malloc(n)))
		snprintf(r, n, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, base);
	free(dir);
	return r;
}

/* The plan, the journal, the report and the JUnit file must be different
 * files: writing the report over the plan or the journal would destroy what
 * the next run needs. 0, or an exit status. "-" (a stream) is not a file. */
static int check_distinct_paths(const struct cli *c, const char *journal_path)
{
	static const char *const what[4] = {"the plan", "--journal", "--report", "--junit"};
	const char *paths[4];
	char *keys[4] = {NULL, NULL, NULL, NULL};
	char fmt[128];
	int i, k, status = 0;

	paths[0] = c->plan_path;
	paths[1] = journal_path;
	paths[2] = c->report;
	paths[3] = c->junit;
	for (i = 0; i < 4 && !status; i++) {
		if (!paths[i] || strcmp(paths[i], "-") == 0)
			continue;
		if (!(keys[i] = path_key(paths[i]))) {
			rc_log_error("out of memory");
			status = RA_EXIT_ERROR;
		}
		for (k = 0; k < i && !status; k++) {
			if (!keys[k] || strcmp(keys[k], keys[i]) != 0)
				continue;
			snprintf(fmt, sizeof(fmt), "%s '%%s' is the same file as %s%s", what[i],
				 k == 1 && !c->journal ? "the default journal" : what[k],
				 k == 0 ? ": give another path" : "");
			status = usage_error(fmt, paths[i]);
		}
	}
	for (i = 0; i < 4; i++)
		free(keys[i]);
	return status;
}

/* Maps a refusal-phase error to an exit status. */
static int refusal_status(const struct rc_err *err)
{
	switch (err->kind) {
	case RC_ERR_PLAN:
	case RC_ERR_TAMPERED:
	case RC_ERR_REFUSED:
		return RA_EXIT_REFUSED;
	case RC_ERR_USAGE:
		return RA_EXIT_USAGE;
	default:
		return RA_EXIT_ERROR;
	}
}

static long env_hook(const char *name)
{
	const char *v = getenv(name);
	struct rc_err err = RC_ERR_INIT;
	int64_t n;

	if (!v || !*v)
		return 0;
	if (rc_parse_int64(v, &n, &err) < 0 || n < 0) {
		rc_log_warn("ignoring %s='%s': not a count", name, v);
		return 0;
	}
	return (long)n;
}

int main(int argc, char **argv)
{
	struct cli c;
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan plan;
	struct ra_sources srcs = {NULL, 0};
	struct rc_plan_source reached; /* the first source's identity, as reached */
	struct rc_apply_env env;
	struct ra_journal *journal = NULL;
	struct rc_rate *pace = NULL; /* --max-rps, shared by every source */
	struct ra_run run;
	struct ra_opts opts;
	struct ra_report_ctx ctx;
	struct rc_buf text = RC_BUF_INIT;
	char *journal_path = NULL, *password = NULL;
	int status = RA_EXIT_ERROR, rc;
	int64_t now;
	size_t i;

	memset(&c, 0, sizeof(c));
	memset(&opts, 0, sizeof(opts));
	memset(&ctx, 0, sizeof(ctx));
	memset(&reached, 0, sizeof(reached));
	rc_plan_init(&plan);
	ra_run_init(&run);
	rc_buf_init(&text, 0);
	rc_log_init("reclaim-apply", RC_LOG_NORMAL);

	rc = parse_cli(argc, argv, &c);
	if (rc)
		return rc - 100;
	rc_log_init("reclaim-apply", c.quiet	     ? RC_LOG_QUIET
				     : c.verbose > 1 ? RC_LOG_DEBUG
				     : c.verbose     ? RC_LOG_VERBOSE
						     : RC_LOG_NORMAL);
	/* --now may only move the clock forward: an earlier time would revive
	 * an expired plan. */
	now = (int64_t)time(NULL);
	if (c.have_now && c.now > now)
		now = c.now;
	opts.dry_run = c.dry_run;
	opts.fail_fast = c.fail_fast;
	opts.crash_after_deletes = env_hook("RECLAIM_TEST_CRASH_AFTER_DELETES");
	opts.crash_after_intent = env_hook("RECLAIM_TEST_CRASH_AFTER_INTENT");
	opts.crash_before_last_step = env_hook("RECLAIM_TEST_CRASH_AFTER_UNTAG") > 0;
	opts.crash_after_batch_sent = env_hook("RECLAIM_TEST_CRASH_AFTER_BATCH_SENT");

	if (c.journal) {
		journal_path = strdup(c.journal);
	} else if (strcmp(c.plan_path, "-") != 0) {
		journal_path = default_journal(c.plan_path, &err);
	}
	if ((c.journal || strcmp(c.plan_path, "-") != 0) && !journal_path) {
		rc_log_error("out of memory");
		goto out;
	}
	if (c.password_stdin && !(password = rc_creds_read_password(stdin, &err))) {
		status = usage_error("%s", err.msg);
		goto out;
	}
	rc = check_distinct_paths(&c, journal_path);
	if (rc) {
		status = rc;
		goto out;
	}
	/* The report and the JUnit file are written after the deletions: a path
	 * that cannot be written would lose the record of what was deleted. */
	if ((c.report && rc_check_output_path(c.report, &err) < 0 &&
	     rc_err_prefix(&err, "--report") < 0) ||
	    (c.junit && rc_check_output_path(c.junit, &err) < 0 &&
	     rc_err_prefix(&err, "--junit") < 0)) {
		rc_log_error("%s", err.msg);
		status = err.kind == RC_ERR_USAGE ? RA_EXIT_USAGE : RA_EXIT_ERROR;
		goto out;
	}

	/* 1. The plan parses, validates against the schema, has a known
	 * version and its digest recomputes. */
	if (rc_plan_load(c.plan_path, &plan, &err) < 0) {
		rc_log_error("%s", err.msg);
		status = refusal_status(&err);
		goto out;
	}
	/* 2. Not expired. */
	if (ra_verify_expiry(&plan, now, &err) < 0)
		goto refused;
	/* 3. Approved by digest, or explicitly auto-approved. */
	if (!c.approve && !c.auto_approve) {
		if (ra_plan_overview_text(&plan, c.plan_path, &text, &err) < 0) {
			rc_log_error("%s", err.msg);
			goto out;
		}
		if (!c.quiet)
			fputs(text.data, stdout);
		fflush(stdout);
		rc_log_error("plan %s is not approved: review it, then rerun with --approve %s",
			     plan.digest, plan.digest);
		status = RA_EXIT_REFUSED;
		goto out;
	}
	if (ra_verify_approval(&plan, c.approve, c.auto_approve, &err) < 0)
		goto refused;
	/* 4. Every candidate's source has a type this reclaim-apply knows, and
	 * the command line reaches one source of each type. */
	if (ra_plan_sources(&plan, &srcs, &err) < 0)
		goto refused;
	/* 5. The journal, if any, belongs to this plan. */
	if (journal_path && ra_journal_load(journal_path, plan.digest, &journal, &err) < 0) {
		rc_log_error("%s", err.msg);
		status = refusal_status(&err);
		goto out;
	}
	if (journal && ra_journal_had_torn_tail(journal))
		rc_log_verbose("journal '%s': ignoring a torn last line", journal_path);
	/* 6. Each source reached is the one the plan was made for. */
	ra_apply_env_init(&env, journal, &opts);
	if (c.max_rps && !(pace = rc_rate_new(c.max_rps))) {
		rc_err_nomem(&err);
		rc_log_error("%s", err.msg);
		status = RA_EXIT_ERROR;
		goto out;
	}
	for (i = 0; i < srcs.n; i++) {
		struct ra_source *s = &srcs.v[i];
		struct rc_source_opts so;

		memset(&so, 0, sizeof(so));
		so.name = s->planned->name;
		/* --engine is the engine's; a registry is where the plan says */
		so.url = s->ops->located_by_plan ? NULL : c.engine;
		so.read_only = c.dry_run;
		so.timeout_ms = c.timeout_ms;
		so.username = c.username;
		so.password = password;
		so.tls_ca = c.tls_ca;
		so.tls_insecure = c.tls_insecure;
		so.parallel = c.parallel;
		so.pace = pace;
		so.plan = &plan;
		so.planned = s->planned;
		s->s = s->ops->open(&so, &err);
		if (!s->s) {
			rc_log_error("%s", err.msg);
			if (err.kind == RC_ERR_USAGE)
				fprintf(stderr, "Try 'reclaim-apply --help'.\n");
			status = err.kind == RC_ERR_USAGE ? RA_EXIT_USAGE : RA_EXIT_ERROR;
			goto out;
		}
		if (s->ops->connect(s->s, &err) < 0 ||
		    (i == 0 && s->ops->describe(s->s, &reached, &err) < 0)) {
			rc_log_error("%s", err.msg);
			status = RA_EXIT_ERROR;
			goto out;
		}
		if (s->ops->begin(s->s, s->planned, &env, &err) < 0) {
			if (err.kind == RC_ERR_REFUSED)
				goto refused;
			rc_log_error("%s", err.msg);
			status = RA_EXIT_ERROR;
			goto out;
		}
	}
	/* Apply. */
	if (!c.dry_run && ra_journal_begin(journal, 0, &err) < 0) {
		rc_log_error("%s", err.msg);
		status = refusal_status(&err);
		goto out;
	}
	rc = ra_apply(&plan, &srcs, journal, &opts, &run, &err);
	status = ra_exit_status(&run, c.fail_on_changed);
	if (rc < 0) {
		rc_log_error("%s", err.msg);
		status = RA_EXIT_ERROR;
	}
	if (rc == 0 && c.trigger_gc && !c.dry_run && status != RA_EXIT_FAILED &&
	    trigger_gc(&srcs, c.quiet) < 0)
		status = RA_EXIT_ERROR;
	rc_err_clear(&err);
	if (journal && ra_journal_close(journal, &err) < 0) {
		rc_log_error("%s", err.msg);
		status = RA_EXIT_ERROR;
	}
	ctx.plan_path = c.plan_path;
	ctx.journal_path = journal_path;
	ctx.engine_id = rc_plan_source_str(&reached, "id");
	ctx.dry_run = c.dry_run;
	ctx.exit_code = status;
	if (c.report && ra_report_write(c.report, &plan, &run, &ctx, &err) < 0) {
		rc_log_error("%s", err.msg);
		status = RA_EXIT_ERROR;
	}
	if (c.junit && ra_junit_write(c.junit, &plan, &run, &err) < 0) {
		rc_log_error("%s", err.msg);
		status = RA_EXIT_ERROR;
	}
	if (!c.quiet) {
		rc_buf_reset(&text);
		if (ra_summary_text(&plan, &run, &ctx, &text, &err) == 0)
			fputs(text.data, stdout);
	}
	goto out;
refused:
	rc_log_error("%s", err.msg);
	status = RA_EXIT_REFUSED;
out:
	if (fflush(stdout) != 0 && status == RA_EXIT_OK)
		status = RA_EXIT_ERROR;
	rc_buf_release(&text);
	ra_run_release(&run);
	ra_journal_free(journal);
	free(journal_path);
	rc_creds_wipe_free(password);
	ra_sources_release(&srcs);
	rc_rate_free(pace);
	free(reached.endpoint);
	cJSON_Delete(reached.identity);
	rc_plan_release(&plan);
	return status;
}
