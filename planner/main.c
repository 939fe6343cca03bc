/* reclaim-plan: scan a Docker Engine and registries read-only and write a
 * reviewable plan.
 *
 * This file parses options, calls the library and reports. Exit status:
 * 0 success (with --detailed-exitcode: nothing to do), 2 candidates found
 * (--detailed-exitcode) or a usage error (without it), 1 any other error. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "cache.h"
#include "decide.h"
#include "source.h"
#include "fsutil.h"
#include "log.h"
#include "plan.h"
#include "policy.h"
#include "rate.h"
#include "registry/creds.h"
#include "registry/parse.h"
#include "report.h"
#include "units.h"

#define PROG "reclaim-plan"
#define DEFAULT_TTL (24 * 3600)

static const char usage_text[] =
    "Usage: reclaim-plan [OPTIONS]\n"
    "       reclaim-plan show PLAN.json\n"
    "\n"
    "Scan a Docker Engine or Registry v2 / OCI registries read-only and write a\n"
    "reviewable plan of what cleanup would delete, and how much space that would\n"
    "really free. Nothing is changed: every connection refuses every method but\n"
    "GET and HEAD. Apply an approved plan with reclaim-apply.\n"
    "\n"
    "Without options the plan proposes what `docker system prune` removes: stopped\n"
    "containers, dangling images, unused custom networks and unused build cache,\n"
    "keeping anything younger than 1h. Every scanned object is listed, as a\n"
    "candidate or as protected, with the rule and a reason.\n"
    "\n"
    "Sources (without --engine or --registry: the engine; with them: only those,\n"
    "in one plan, the engine first):\n"
    "      --engine URL             scan this engine (unix:///path or tcp://host:port);\n"
    "                               default: $DOCKER_HOST, else unix:///var/run/docker.sock;\n"
    "                               tcp://host without a port means port 2375 (2376 with\n"
    "                               $DOCKER_TLS_VERIFY); --engine '' is refused, use\n"
    "                               --engine default for the default engine\n"
    "      --registry URL           scan this Registry v2 / OCI registry (repeatable);\n"
    "                               https:// unless the URL says http://\n"
    "      --dtr URL                scan a Docker Trusted Registry / MSR 2-3 through its\n"
    "                               /api/v0 (repeatable; https:// unless http:// on\n"
    "                               loopback); tags only, never manifests\n"
    "      --harbor URL             scan a Harbor / MSR 4 through its /api/v2.0\n"
    "                               (repeatable; https:// unless http:// on loopback):\n"
    "                               artifacts and their tags, with pull times\n"
    "      --projects GLOB          only the Harbor projects matching GLOB (repeatable;\n"
    "                               the scan is then partial)\n"
    "      --repos GLOB             only the registries' repositories matching GLOB\n"
    "                               (repeatable; the scan is then partial); Harbor's\n"
    "                               are \"project/repo\"\n"
    "      --username USER          registry user, with --password-stdin\n"
    "      --password-stdin         read the registry password from one line of stdin\n"
    "                               (else $RECLAIM_REGISTRY_USERNAME/_PASSWORD, else\n"
    "                               the Docker config's auths and credential helpers)\n"
    "      --tls-ca FILE            trust the CA certificates in FILE for registries\n"
    "      --tls-insecure           do not verify registries' TLS certificates\n"
    "      --parallel N             registry requests in flight (default 16, 1 to 64)\n"
    "      --max-rps N              send registries and DTRs at most N requests a\n"
    "                               second in all, evenly spaced (1 to 100000;\n"
    "                               default and 0: no limit)\n"
    "      --cache-dir DIR          keep registry manifests and configs by digest in DIR\n"
    "                               (default $XDG_CACHE_HOME/reclaim, else\n"
    "                               ~/.cache/reclaim): a re-plan asks each tag's digest\n"
    "                               with HEAD and fetches only digests not cached; every\n"
    "                               entry is verified against its digest when read\n"
    "      --no-cache               fetch every manifest and config; write no cache\n"
    "      --timeout D              give up on a request a source has not answered\n"
    "                               within D (default 60s, at most 24h); a request that\n"
    "                               timed out is not retried\n"
    "\n"
    "Policy (docs/policy.md):\n"
    "      --policy FILE            JSON policy: ordered rules plus protections; the\n"
    "                               selection flags below cannot be combined with it\n"
    "      --containers-older-than D  only containers stopped (or created, if never\n"
    "                               started) more than D ago\n"
    "      --images=dangling|unused dangling images (default), or every unused image\n"
    "      --images-older-than D    only images whose last evidence of use (created,\n"
    "                               tagged, used by a container) is older than D\n"
    "      --volumes=anonymous|all  include unused volumes (default: no volumes)\n"
    "      --keep-label KEY[=VALUE] keep objects carrying the label (repeatable)\n"
    "      --keep PATTERN           keep images with a tag matching the glob; without\n"
    "                               ':' it matches the tag part (repeatable)\n"
    "      --min-age D              keep anything younger than D (default 1h; 0: off)\n"
    "\n"
    "Registry policy (docs/policy.md, \"Registries\"; without a registry rule nothing\n"
    "of a registry is proposed):\n"
    "      --keep-last N            keep the N newest digests per repository, by their\n"
    "                               config's created time (ties by digest)\n"
    "      --older-than D           only tags (and, with --untagged, manifests) whose\n"
    "                               created time is older than D\n"
    "      --match-tags REGEX       only tags matching REGEX (the whole tag) are\n"
    "                               candidates\n"
    "      --untagged               untagged manifests too (a plain registry lists only\n"
    "                               what tags, indexes and referrers reach)\n"
    "      --keep-tags REGEX        always keep tags matching REGEX (repeatable)\n"
    "      --keep-refs FILE         always keep the repo:tag and repo@digest refs listed\n"
    "                               in FILE, one per line, # comments\n"
    "      --dtr-age updated|created  measure a DTR tag's age, for --keep-last,\n"
    "                               --older-than and --min-age, on updatedAt (the last\n"
    "                               push; default) or createdAt; needs --dtr\n"
    "      --not-pulled-for D       only tags (and, with --untagged, artifacts) not\n"
    "                               pulled for more than D; never pulled counts from\n"
    "                               the push (Harbor only: others record no pulls)\n"
    "      --harbor-keep-by push|pull  --keep-last ranks Harbor artifacts by push\n"
    "                               time (default) or pull time; needs --harbor\n"
    "\n"
    "Outputs:\n"
    "  -o, --output FILE            write the plan JSON to FILE atomically ('-': stdout,\n"
    "                               and the summary goes to stderr); default: no file\n"
    "      --csv FILE               write a CSV report, one row per object\n"
    "      --junit FILE             write a JUnit XML report, one test case per object\n"
    "                               (at most one of -o, --csv and --junit may be '-';\n"
    "                               files are replaced only when all were written, so a\n"
    "                               failed run leaves earlier ones untouched)\n"
    "      --ttl D                  the plan expires D after it is made (default 24h,\n"
    "                               at most 366d)\n"
    "      --now TIME               use TIME (RFC 3339, 1970 to 9998) as the clock, for\n"
    "                               tests\n"
    "      --detailed-exitcode      exit 0 when there is nothing to do, 2 when there\n"
    "                               are candidates, 1 on any error\n"
    "  -q, --quiet                  print only the plan digest\n"
    "  -v, --verbose                also list protected objects; more diagnostics\n"
    "  -h, --help                   show this help and exit\n"
    "      --version                show the version and exit\n"
    "\n"
    "Durations are an integer and a unit: s, m, h, d or w (90m, 36h, 30d, 2w).\n"
    "\n"
    "Exit status: 0 success; 1 error; 2 usage error, or candidates found with\n"
    "--detailed-exitcode (then usage errors exit 1).\n"
    "\n"
    "Examples:\n"
    "  reclaim-plan\n"
    "  reclaim-plan --images=unused --images-older-than 30d --keep 'latest' -o plan.json\n"
    "  reclaim-plan --policy /etc/reclaim/policy.json -o plan.json --csv plan.csv\n"
    "  reclaim-plan --registry https://reg.example:5000 --keep-last 5 \\\n"
    "      --keep-tags '^latest$' -o plan.json\n"
    "  reclaim-plan show plan.json\n"
    "\n"
    "See reclaim-plan(1), reclaim-apply(1).\n";

enum {
	OPT_ENGINE = 256,
	OPT_POLICY,
	OPT_CONTAINERS_OLDER,
	OPT_IMAGES,
	OPT_IMAGES_OLDER,
	OPT_VOLUMES,
	OPT_KEEP_LABEL,
	OPT_KEEP,
	OPT_MIN_AGE,
	OPT_KEEP_LAST,
	OPT_OLDER_THAN,
	OPT_MATCH_TAGS,
	OPT_UNTAGGED,
	OPT_KEEP_TAGS,
	OPT_KEEP_REFS,
	OPT_TTL,
	OPT_NOW,
	OPT_CSV,
	OPT_JUNIT,
	OPT_DETAILED,
	OPT_TIMEOUT,
	OPT_VERSION,
	OPT_REGISTRY,
	OPT_DTR,
	OPT_REPOS,
	OPT_USERNAME,
	OPT_PASSWORD_STDIN,
	OPT_TLS_CA,
	OPT_TLS_INSECURE,
	OPT_PARALLEL,
	OPT_DTR_AGE,
	OPT_MAX_RPS,
	OPT_CACHE_DIR,
	OPT_NO_CACHE,
	OPT_HARBOR,
	OPT_PROJECTS,
	OPT_NOT_PULLED_FOR,
	OPT_HARBOR_KEEP_BY,
};

static const struct option long_opts[] = {
    {"engine", required_argument, NULL, OPT_ENGINE},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"containers-older-than", required_argument, NULL, OPT_CONTAINERS_OLDER},
    {"images", required_argument, NULL, OPT_IMAGES},
    {"images-older-than", required_argument, NULL, OPT_IMAGES_OLDER},
    {"volumes", required_argument, NULL, OPT_VOLUMES},
    {"keep-label", required_argument, NULL, OPT_KEEP_LABEL},
    {"keep", required_argument, NULL, OPT_KEEP},
    {"min-age", required_argument, NULL, OPT_MIN_AGE},
    {"keep-last", required_argument, NULL, OPT_KEEP_LAST},
    {"older-than", required_argument, NULL, OPT_OLDER_THAN},
    {"match-tags", required_argument, NULL, OPT_MATCH_TAGS},
    {"untagged", no_argument, NULL, OPT_UNTAGGED},
    {"keep-tags", required_argument, NULL, OPT_KEEP_TAGS},
    {"keep-refs", required_argument, NULL, OPT_KEEP_REFS},
    {"ttl", required_argument, NULL, OPT_TTL},
    {"now", required_argument, NULL, OPT_NOW},
    {"output", required_argument, NULL, 'o'},
    {"csv", required_argument, NULL, OPT_CSV},
    {"junit", required_argument, NULL, OPT_JUNIT},
    {"detailed-exitcode", no_argument, NULL, OPT_DETAILED},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"registry", required_argument, NULL, OPT_REGISTRY},
    {"dtr", required_argument, NULL, OPT_DTR},
    {"repos", required_argument, NULL, OPT_REPOS},
    {"username", required_argument, NULL, OPT_USERNAME},
    {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
    {"tls-ca", required_argument, NULL, OPT_TLS_CA},
    {"tls-insecure", no_argument, NULL, OPT_TLS_INSECURE},
    {"parallel", required_argument, NULL, OPT_PARALLEL},
    {"dtr-age", required_argument, NULL, OPT_DTR_AGE},
    {"max-rps", required_argument, NULL, OPT_MAX_RPS},
    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"harbor", required_argument, NULL, OPT_HARBOR},
    {"projects", required_argument, NULL, OPT_PROJECTS},
    {"not-pulled-for", required_argument, NULL, OPT_NOT_PULLED_FOR},
    {"harbor-keep-by", required_argument, NULL, OPT_HARBOR_KEEP_BY},
    {NULL, 0, NULL, 0},
};

struct opts {
	const char *engine;
	int engine_given;
	struct rc_strv registries; /* --registry, in order */
	struct rc_strv dtrs; /* --dtr, in order */
	struct rc_strv harbors; /* --harbor, in order */
	struct rc_strv projects; /* --projects */
	struct rc_strv repos; /* --repos */
	const char *username;
	int password_stdin;
	const char *tls_ca;
	int tls_insecure;
	size_t parallel;
	long max_rps; /* 0: no limit */
	const char *cache_dir; /* --cache-dir */
	int no_cache;
	const char *policy;
	const char *output;
	const char *csv;
	const char *junit;
	const char *now_arg;
	int64_t ttl;
	int64_t timeout;
	int detailed;
	int quiet;
	int verbose;
	int help;
	int version;
	struct rp_flags flags;
	char usage_err[512]; /* first usage error, reported after parsing */
};

static void usage_error(struct opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void usage_error(struct opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->usage_err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(o->usage_err, sizeof(o->usage_err), fmt, ap);
	va_end(ap);
}

static void duration_opt(struct opts *o, const char *flag, const char *arg, int64_t *out)
{
	struct rc_err err = RC_ERR_INIT;
	char q[128];

	if (rc_parse_duration(arg, out, &err) < 0) {
		rc_sanitize(q, sizeof(q), arg);
		usage_error(o, "invalid duration '%s' for %s: want a number and s, m, h, d or w", q,
			    flag);
	}
}

static void push_opt(struct opts *o, struct rc_strv *v, const char *arg)
{
	struct rc_err err = RC_ERR_INIT;

	if (rc_strv_push(v, arg, &err) < 0)
		usage_error(o, "%s", err.msg);
}

/* Parses argv into o; usage problems are recorded in o->usage_err. */
static void parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:qvh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_ENGINE:
			if (!*optarg)
				usage_error(o,
					    "empty --engine: want unix:///path or tcp://host:port");
			o->engine = strcmp(optarg, "default") == 0 ? NULL : optarg;
			o->engine_given = 1;
			break;
		case OPT_REGISTRY:
			if (!*optarg)
				usage_error(o, "empty --registry: want https://host[:port]");
			push_opt(o, &o->registries, optarg);
			break;
		case OPT_DTR:
			if (!*optarg)
				usage_error(o, "empty --dtr: want https://host[:port]");
			push_opt(o, &o->dtrs, optarg);
			break;
		case OPT_HARBOR:
			if (!*optarg)
				usage_error(o, "empty --harbor: want https://host[:port]");
			push_opt(o, &o->harbors, optarg);
			break;
		case OPT_PROJECTS:
			push_opt(o, &o->projects, optarg);
			break;
		case OPT_NOT_PULLED_FOR:
			duration_opt(o, "--not-pulled-for", optarg, &o->flags.not_pulled_for);
			break;
		case OPT_HARBOR_KEEP_BY:
			if (rp_harbor_keep_by_parse(optarg, &o->flags.harbor_keep_by) < 0)
				usage_error(o,
					    "invalid --harbor-keep-by '%.64s': want push or pull",
					    optarg);
			o->flags.harbor_keep_by_given = 1;
			break;
		case OPT_REPOS:
			push_opt(o, &o->repos, optarg);
			break;
		case OPT_USERNAME:
			o->username = optarg;
			break;
		case OPT_PASSWORD_STDIN:
			o->password_stdin = 1;
			break;
		case OPT_TLS_CA:
			o->tls_ca = optarg;
			break;
		case OPT_TLS_INSECURE:
			o->tls_insecure = 1;
			break;
		case OPT_PARALLEL: {
			char *end = NULL;
			long long n;
			errno = 0;
			n = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 1 || n > 64)
				usage_error(o, "invalid --parallel '%.64s': want 1 to 64", optarg);
			else
				o->parallel = (size_t)n;
			break;
		}
		case OPT_MAX_RPS: {
			struct rc_err e = RC_ERR_INIT;
			if (rc_rate_parse(optarg, &o->max_rps, &e) < 0)
				usage_error(o, "%s", e.msg);
			break;
		}
		case OPT_CACHE_DIR:
			if (!*optarg)
				usage_error(o, "empty --cache-dir: want a directory");
			o->cache_dir = optarg;
			break;
		case OPT_NO_CACHE:
			o->no_cache = 1;
			break;
		case OPT_POLICY:
			o->policy = optarg;
			break;
		case OPT_CONTAINERS_OLDER:
			duration_opt(o, "--containers-older-than", optarg,
				     &o->flags.containers_older_than);
			break;
		case OPT_IMAGES:
			if (strcmp(optarg, "dangling") == 0)
				o->flags.images = RP_IMAGES_DANGLING;
			else if (strcmp(optarg, "unused") == 0)
				o->flags.images = RP_IMAGES_UNUSED;
			else
				usage_error(o, "invalid --images '%s': want dangling or unused",
					    optarg);
			break;
		case OPT_IMAGES_OLDER:
			duration_opt(o, "--images-older-than", optarg, &o->flags.images_older_than);
			break;
		case OPT_VOLUMES:
			if (strcmp(optarg, "anonymous") == 0)
				o->flags.volumes = RP_VOLUMES_FLAG_ANONYMOUS;
			else if (strcmp(optarg, "all") == 0)
				o->flags.volumes = RP_VOLUMES_FLAG_ALL;
			else
				usage_error(o, "invalid --volumes '%s': want anonymous or all",
					    optarg);
			break;
		case OPT_KEEP_LABEL:
			push_opt(o, &o->flags.keep_labels, optarg);
			break;
		case OPT_KEEP:
			push_opt(o, &o->flags.keep_tags, optarg);
			break;
		case OPT_MIN_AGE:
			duration_opt(o, "--min-age", optarg, &o->flags.min_age);
			break;
		case OPT_KEEP_LAST: {
			char *end = NULL;
			long long n;
			errno = 0;
			n = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 1 || n > 1000000)
				usage_error(o, "invalid --keep-last '%.64s': want 1 to 1000000",
					    optarg);
			else
				o->flags.keep_last = n;
			break;
		}
		case OPT_OLDER_THAN:
			duration_opt(o, "--older-than", optarg, &o->flags.older_than);
			break;
		case OPT_MATCH_TAGS:
			free(o->flags.match_tags);
			if (!(o->flags.match_tags = strdup(optarg)))
				usage_error(o, "out of memory");
			break;
		case OPT_UNTAGGED:
			o->flags.untagged = 1;
			break;
		case OPT_KEEP_TAGS:
			push_opt(o, &o->flags.keep_tags_regex, optarg);
			break;
		case OPT_DTR_AGE:
			if (rp_dtr_age_parse(optarg, &o->flags.dtr_age) < 0)
				usage_error(o, "invalid --dtr-age '%.64s': want updated or created",
					    optarg);
			o->flags.dtr_age_given = 1;
			break;
		case OPT_KEEP_REFS: {
			struct rc_err err = RC_ERR_INIT;
			if (rp_flags_read_refs(&o->flags, optarg, &err) < 0)
				usage_error(o, "%s", err.msg);
			break;
		}
		case OPT_TTL:
			duration_opt(o, "--ttl", optarg, &o->ttl);
			if (o->ttl <= 0 && !o->usage_err[0])
				usage_error(o, "invalid --ttl '%s': must be more than 0", optarg);
			/* a plan is a reviewed snapshot: a year is already generous,
			 * and the cap keeps expires_at well inside RFC 3339 years */
			else if (o->ttl > 366 * 86400LL && !o->usage_err[0])
				usage_error(o, "invalid --ttl '%s': at most 366d", optarg);
			break;
		case OPT_NOW:
			o->now_arg = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_CSV:
			o->csv = optarg;
			break;
		case OPT_JUNIT:
			o->junit = optarg;
			break;
		case OPT_DETAILED:
			o->detailed = 1;
			break;
		case OPT_TIMEOUT:
			duration_opt(o, "--timeout", optarg, &o->timeout);
			if (o->timeout <= 0 && !o->usage_err[0])
				usage_error(o, "invalid --timeout '%s': must be more than 0",
					    optarg);
			else if (o->timeout > 86400 && !o->usage_err[0])
				usage_error(o, "invalid --timeout '%s': at most 24h", optarg);
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			o->help = 1;
			break;
		case OPT_VERSION:
			o->version = 1;
			break;
		case ':':
			if (optopt > 0 && optopt < 256)
				usage_error(o, "option '-%c' needs an argument", optopt);
			else
				usage_error(o, "option '%s' needs an argument", argv[optind - 1]);
			break;
		default:
			if (optopt > 0 && optopt < 256)
				usage_error(o, "unknown option '-%c'", optopt);
			else
				usage_error(o, "unknown option '%s'", argv[optind - 1]);
			break;
		}
	}
}

/* Two outputs on standard output would interleave into something neither a
 * JSON nor a CSV reader can parse. */
static void check_one_stdout(struct opts *o)
{
	static const char *const names[] = {"-o", "--csv", "--junit"};
	const char *paths[] = {o->output, o->csv, o->junit};
	int first = -1;

	for (int i = 0; i < 3; i++) {
		if (!paths[i] || strcmp(paths[i], "-") != 0)
			continue;
		if (first >= 0) {
			usage_error(
			    o, "%s and %s both write to standard output: give one of them a file",
			    names[first], names[i]);
			return;
		}
		first = i;
	}
}

/* Writes every output or none: each file is staged next to its target
 * first, and only when all are staged (and standard output written) are
 * they renamed into place. A failed run leaves earlier files untouched. */
static int fill_plan(void *ctx, rc_put_fn put, void *put_ctx, struct rc_err *err)
{
	return rc_plan_render_to(ctx, put, put_ctx, err);
}

/* Stages every file output before committing any, so that a failure leaves
 * all old files as they were. The plan file is rendered straight into its
 * temp file, item by item (a plan of 20k tags is tens of MiB as one text);
 * a plan for standard output was rendered before (json). */
static int write_outputs(const struct opts *o, const struct rc_plan *plan, const char *json,
			 const struct rc_buf *csv, const struct rc_buf *junit, struct rc_err *err)
{
	const char *paths[3] = {o->csv, o->junit, o->output};
	const char *data[3] = {csv->data, junit->data, json};
	size_t lens[3] = {csv->len, junit->len, json ? strlen(json) : 0};
	char *tmp[3] = {NULL, NULL, NULL};
	int i, ret = -1;

	for (i = 0; i < 3; i++) {
		if (!paths[i] || strcmp(paths[i], "-") == 0)
			continue;
		if (i == 2 ? rc_stage_fill(paths[i], 0666, fill_plan, (void *)plan, &tmp[i], err)
			   : rc_stage_file(paths[i], data[i], lens[i], 0666, &tmp[i], err))
			goto out;
	}
	for (i = 0; i < 3; i++)
		if (paths[i] && strcmp(paths[i], "-") == 0 &&
		    rc_write_file_atomic("-", data[i], lens[i], 0666, err) < 0)
			goto out;
	for (i = 0; i < 3; i++) {
		int r;

		if (!tmp[i])
			continue;
		r = rc_commit_file(tmp[i], paths[i], err);
		free(tmp[i]);
		tmp[i] = NULL;
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	for (i = 0; i < 3; i++) {
		if (tmp[i])
			unlink(tmp[i]);
		free(tmp[i]);
	}
	return ret;
}

static int usage_exit(const struct opts *o)
{
	char msg[600];

	rc_sanitize(msg, sizeof(msg), o->usage_err);
	fprintf(stderr, "%s: error: %s\nTry '%s --help'.\n", PROG, msg, PROG);
	return o->detailed ? 1 : 2;
}

static int error_exit(const struct rc_err *err)
{
	char msg[RC_ERR_MSG_MAX];

	rc_sanitize(msg, sizeof(msg), err->msg);
	rc_log_error("%s", msg);
	return 1;
}

static enum rp_summary_mode summary_mode(const struct opts *o)
{
	if (o->quiet)
		return RP_SUMMARY_QUIET;
	return o->verbose ? RP_SUMMARY_VERBOSE : RP_SUMMARY_NORMAL;
}

static void init_log(const struct opts *o)
{
	enum rc_log_level lvl = RC_LOG_NORMAL;

	if (o->quiet)
		lvl = RC_LOG_QUIET;
	else if (o->verbose >= 2)
		lvl = RC_LOG_DEBUG;
	else if (o->verbose)
		lvl = RC_LOG_VERBOSE;
	rc_log_init(PROG, lvl);
}

/* reclaim-plan show PLAN.json */
static int cmd_show(int argc, char **argv, struct opts *o)
{
	struct rc_plan plan;
	struct rc_err err = RC_ERR_INIT;
	int rc;

	parse_args(argc, argv, o);
	if (o->help) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!o->usage_err[0] && optind != argc - 1)
		usage_error(o,
			    optind >= argc ? "show needs a plan file" : "show takes one plan file");
	if (!o->usage_err[0] && (o->engine_given || o->registries.n || o->dtrs.n || o->harbors.n ||
				 o->policy || o->output || o->csv || o->junit))
		usage_error(o, "show takes no scan or output options");
	if (o->usage_err[0])
		return usage_exit(o);
	init_log(o);
	rc_plan_init(&plan);
	if (rc_plan_load(argv[optind], &plan, &err) < 0) {
		rc_err_prefix(&err, "invalid plan '%s'", argv[optind]);
		rc_plan_release(&plan);
		return error_exit(&err);
	}
	rp_summary_print(stdout, &plan, argv[optind], summary_mode(o));
	rc = o->detailed && plan.n_candidates ? 2 : 0;
	rc_plan_release(&plan);
	return rc;
}

/* The sources to scan, in plan order: the engine (given, or no source
 * given at all), then each --registry, each --dtr, each --harbor. */
struct scan_target {
	const char *type;
	const char *name; /* NULL: the type names it (a registry by its URL) */
	const char *url;
};

/* Scans every source into inv, read-only: the HTTP layers refuse writes.
 * The engine goes first so that its containers protect what they use in
 * the registries. 0; 1 after reporting an error; 2 with err for a usage
 * error. */
/* 1 with a usage error when two --registry, --dtr or --harbor name the same
 * source (the same canonical URL): it would be scanned twice, and its plan
 * refused only then. A URL that is not canonical yet is left to open. */
static int same_source_twice(const struct scan_target *t, size_t n, struct rc_err *err)
{
	char **canon = calloc(n ? n : 1, sizeof(*canon));
	struct rc_err ignored = RC_ERR_INIT;
	size_t i, k;
	int dup = 0;

	if (!canon)
		return 0; /* out of memory here surfaces in the scan */
	for (i = 0; i < n && !dup; i++) {
		if (!t[i].url || strcmp(t[i].type, "engine") == 0 ||
		    rc_reg_canonical_url(t[i].url, &canon[i], &ignored) < 0)
			continue;
		for (k = 0; k < i && !dup; k++)
			if (canon[k] && strcmp(t[k].type, t[i].type) == 0 &&
			    strcmp(canon[k], canon[i]) == 0) {
				rc_err_set(err, RC_ERR_USAGE,
					   "--%s '%.200s' and '%.200s' are the same source (%.200s)",
					   t[i].type, t[k].url, t[i].url, canon[i]);
				dup = 1;
			}
	}
	for (i = 0; i < n; i++)
		free(canon[i]);
	free(canon);
	return dup;
}

static int scan_sources(const struct opts *o, const struct rp_policy *pol, const char *password,
			struct rc_cache *cache, struct rc_inventory *inv, struct rc_err *err)
{
	size_t n = 0, i;
	struct scan_target *t = calloc(o->registries.n + o->dtrs.n + o->harbors.n + 1, sizeof(*t));
	/* one pace for every registry and DTR of the run */
	struct rc_rate *pace = o->max_rps ? rc_rate_new(o->max_rps) : NULL;
	int rc = 0;

	if (!t || (o->max_rps && !pace)) {
		free(t);
		rc_rate_free(pace);
		rc_err_nomem(err);
		return error_exit(err);
	}
	if (o->engine_given || (!o->registries.n && !o->dtrs.n && !o->harbors.n))
		t[n++] = (struct scan_target){"engine", "engine", o->engine};
	for (i = 0; i < o->registries.n; i++)
		t[n++] = (struct scan_target){"registry", NULL, o->registries.v[i]};
	for (i = 0; i < o->dtrs.n; i++)
		t[n++] = (struct scan_target){"dtr", NULL, o->dtrs.v[i]};
	for (i = 0; i < o->harbors.n; i++)
		t[n++] = (struct scan_target){"harbor", NULL, o->harbors.v[i]};
	if (same_source_twice(t, n, err)) {
		free(t);
		rc_rate_free(pace);
		return 2;
	}
	for (i = 0; i < n && !rc; i++) {
		const struct rc_source_ops *ops = rc_source_find(t[i].type);
		struct rc_source_opts so;
		struct rc_source *src;

		memset(&so, 0, sizeof(so));
		so.name = t[i].name;
		so.url = t[i].url;
		so.read_only = 1;
		so.timeout_ms = (long)o->timeout * 1000L;
		so.username = o->username;
		so.password = password;
		so.tls_ca = o->tls_ca;
		so.tls_insecure = o->tls_insecure;
		so.parallel = o->parallel;
		so.repos = &o->repos;
		so.age_created = pol->sources.dtr_age == RP_DTR_AGE_CREATED;
		so.projects = &o->projects;
		so.keep_by_pull = pol->sources.harbor_keep_by == RP_HARBOR_KEEP_BY_PULL;
		so.pace = pace;
		so.cache = cache;
		/* DTR records no pull times: a not_pulled_for rule that could
		 * claim its tags is refused before any request */
		if (strcmp(t[i].type, "dtr") == 0 &&
		    rp_policy_check_no_pulls(pol, "dtr", t[i].url,
					     "DTR records no per-tag pull times (use "
					     "older_than; Harbor / MSR 4 records pulls)",
					     err) < 0) {
			rc = error_exit(err);
			break;
		}
		if (!(src = ops->open(&so, err))) {
			rc = err->kind == RC_ERR_USAGE ? 2 : error_exit(err);
			break;
		}
		if (ops->scan(src, inv, err) < 0)
			rc = error_exit(err);
		ops->free(src);
	}
	free(t);
	rc_rate_free(pace);
	return rc;
}

/* The registries' cache (--cache-dir, default the XDG cache directory), or
 * NULL after one warning: a cache never fails a plan. */
static struct rc_cache *open_cache(const struct opts *o)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_cache *c = NULL;
	char *dir = NULL;

	if (!o->cache_dir && rc_cache_default_dir(&dir, &err) < 0) {
		rc_log_warn("%s; planning without a cache", err.msg);
		return NULL;
	}
	if (!(c = rc_cache_open(o->cache_dir ? o->cache_dir : dir, &err)))
		rc_log_warn("%s; planning without a cache", err.msg);
	else
		rc_log_verbose("cache '%s'", rc_cache_dir(c));
	free(dir);
	return c;
}

static void report_cache(const struct rc_cache *c)
{
	struct rc_cache_stats st;

	if (!c)
		return;
	if (rc_cache_failure(c))
		rc_log_warn("%s; later objects were not cached", rc_cache_failure(c));
	rc_cache_stats(c, &st);
	rc_log_verbose("cache: %zu hits, %zu misses, %zu stored, %zu dropped as corrupt", st.hits,
		       st.misses, st.stored, st.dropped);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct rp_policy pol;
	struct rc_inventory inv;
	struct rc_plan plan;
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf csv = RC_BUF_INIT, junit = RC_BUF_INIT;
	char *json = NULL, *password = NULL;
	struct rc_cache *cache = NULL;
	int64_t now;
	int rc = 1;

	memset(&o, 0, sizeof(o));
	o.ttl = DEFAULT_TTL;
	o.timeout = RC_SOURCE_TIMEOUT_MS / 1000;
	rp_flags_init(&o.flags);
	rp_policy_init(&pol);
	rc_inventory_init(&inv);
	rc_plan_init(&plan);
	rc_buf_init(&csv, 0);
	rc_buf_init(&junit, 0);
	rc_log_init(PROG, RC_LOG_NORMAL);

	if (argc > 1 && strcmp(argv[1], "show") == 0) {
		rc = cmd_show(argc - 1, argv + 1, &o);
		goto out;
	}
	parse_args(argc, argv, &o);
	if (o.help) {
		fputs(usage_text, stdout);
		rc = 0;
		goto out;
	}
	if (o.version) {
		printf("%s %s\n", PROG, RC_VERSION);
		rc = 0;
		goto out;
	}
	if (!o.usage_err[0] && optind < argc)
		usage_error(&o, "unexpected argument '%s'", argv[optind]);
	if (!o.usage_err[0] && o.quiet && o.verbose)
		usage_error(&o, "--quiet and --verbose exclude each other");
	if (!o.usage_err[0] && o.now_arg && rc_parse_now("--now", o.now_arg, &now, &err) < 0)
		usage_error(&o, "%s", err.msg);
	if (!o.usage_err[0] && o.now_arg && now > RC_TIME_MAX - o.ttl)
		usage_error(&o,
			    "invalid --now '%s': a plan made then would expire after "
			    "9999-12-31T23:59:59Z; use an earlier time or a shorter --ttl",
			    o.now_arg);
	if (!o.usage_err[0])
		check_one_stdout(&o);
	if (!o.usage_err[0] && !o.registries.n && !o.dtrs.n && !o.harbors.n &&
	    (o.repos.n || o.username || o.password_stdin || o.tls_ca || o.tls_insecure ||
	     o.max_rps))
		usage_error(&o, "--repos, --username, --password-stdin, --tls-* and --max-rps "
				"apply to registries: give --registry URL, --dtr URL or "
				"--harbor URL");
	if (!o.usage_err[0] && o.projects.n && !o.harbors.n)
		usage_error(&o, "--projects applies to Harbor sources: give --harbor URL");
	if (!o.usage_err[0] && o.flags.harbor_keep_by_given && !o.harbors.n)
		usage_error(&o, "--harbor-keep-by applies to Harbor sources: give --harbor URL");
	if (!o.usage_err[0] && o.flags.dtr_age_given && !o.dtrs.n)
		usage_error(&o, "--dtr-age applies to DTR sources: give --dtr URL");
	if (!o.usage_err[0] && o.cache_dir && o.no_cache)
		usage_error(&o, "--cache-dir and --no-cache exclude each other");
	if (!o.usage_err[0] && o.password_stdin != !!o.username)
		usage_error(&o, "--username and --password-stdin go together");
	if (o.usage_err[0]) {
		rc = usage_exit(&o);
		goto out;
	}
	init_log(&o);
	if (!o.now_arg)
		now = (int64_t)time(NULL);

	if (o.policy) {
		if (rp_policy_load(o.policy, &pol, &err) < 0) {
			rc = error_exit(&err);
			goto out;
		}
		if (rp_policy_apply_flags(&pol, &o.flags, &err) < 0) {
			snprintf(o.usage_err, sizeof(o.usage_err), "%s", err.msg);
			rc = err.kind == RC_ERR_USAGE ? usage_exit(&o) : error_exit(&err);
			goto out;
		}
	} else if (rp_policy_from_flags(&o.flags, &pol, &err) < 0) {
		snprintf(o.usage_err, sizeof(o.usage_err), "%s", err.msg);
		rc = err.kind == RC_ERR_USAGE ? usage_exit(&o) : error_exit(&err);
		goto out;
	}

	/* the plan shows what a DTR's ages measure, default or not */
	if (o.dtrs.n)
		pol.sources.dtr_shown = 1;
	/* and what a Harbor's keep_last ranks by */
	if (o.harbors.n)
		pol.sources.harbor_shown = 1;

	if (o.password_stdin && !(password = rc_creds_read_password(stdin, &err))) {
		snprintf(o.usage_err, sizeof(o.usage_err), "%s", err.msg);
		rc = usage_exit(&o);
		goto out;
	}
	if (o.registries.n && !o.no_cache)
		cache = open_cache(&o);
	if ((rc = scan_sources(&o, &pol, password, cache, &inv, &err)) != 0) {
		if (rc == 2) {
			snprintf(o.usage_err, sizeof(o.usage_err), "%s", err.msg);
			rc = usage_exit(&o);
		}
		goto out;
	}
	report_cache(cache);
	if (rp_plan_build(&inv, &pol, now, o.ttl, &plan, &err) < 0) {
		rc = error_exit(&err);
		goto out;
	}
	/* the plan holds its own copies: at 20k tags the scan is ~20 MiB */
	rc_inventory_release(&inv);

	/* Render everything before writing anything (a plan file is rendered
	 * into its temp file, which is committed last). */
	if ((o.output && strcmp(o.output, "-") == 0 && !(json = rc_plan_render(&plan, &err))) ||
	    (o.csv && rp_csv_render(&plan, &csv, &err) < 0) ||
	    (o.junit && rp_junit_render(&plan, &junit, &err) < 0)) {
		rc = error_exit(&err);
		goto out;
	}
	if (write_outputs(&o, &plan, json, &csv, &junit, &err) < 0) {
		rc = error_exit(&err);
		goto out;
	}
	rp_summary_print(o.output && strcmp(o.output, "-") == 0 ? stderr : stdout, &plan, o.output,
			 summary_mode(&o));
	rc = o.detailed && plan.n_candidates ? 2 : 0;
out:
	free(json);
	rc_cache_free(cache);
	rc_creds_wipe_free(password);
	rc_strv_release(&o.registries);
	rc_strv_release(&o.dtrs);
	rc_strv_release(&o.harbors);
	rc_strv_release(&o.projects);
	rc_strv_release(&o.repos);
	rc_buf_release(&csv);
	rc_buf_release(&junit);
	rc_plan_release(&plan);
	rc_inventory_release(&inv);
	rp_policy_release(&pol);
	rp_flags_release(&o.flags);
	return rc;
}
