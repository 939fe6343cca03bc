/* tmpdir.h: a fresh temporary directory `dir` for each cmocka test that
 * names setup and teardown, removed with everything in it afterwards (made
 * searchable first: a test may have taken its permissions away). Included
 * by the unit tests that work on files. */
#ifndef RC_TEST_TMPDIR_H
#define RC_TEST_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rc_unit.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_rf(sub);
	}
	closedir(d);
	rmdir(path);
}

static int teardown(void **state)
{
	(void)state;
	chmod(dir, 0700);
	rm_rf(dir);
	return 0;
}

#endif
