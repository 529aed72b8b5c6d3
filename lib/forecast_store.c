#include "forecast_store.h"

#include <stdio.h>
#include <string.h>

#include "strbuf.h"
#include "sys.h"

/* dir and the file name of k joined; '\' where dir is written with backslashes (Windows),
 * '/' elsewhere (which Windows accepts as well). */
static int make_path(const char *dir, const struct forecast_key *k, struct forecast_store *fs)
{
	char name[48];
	const char *sep = strchr(dir, '\\') && !strchr(dir, '/') ? "\\" : "/";
	size_t dl = strlen(dir);
	int n;

	forecast_file_name(k, name, sizeof(name));
	if (dl && (dir[dl - 1] == '/' || dir[dl - 1] == '\\')) {
		sep = "";
	}
	n = snprintf(fs->path, sizeof(fs->path), "%s%s%s", dir, sep, name);
	if (n < 0 || (size_t)n >= sizeof(fs->path)) {
		fs->path[0] = '\0';
		snprintf(fs->note, sizeof(fs->note), "forecast off: the state directory's name is too "
						     "long");
		return -1;
	}
	return 0;
}

/* Reads the file into fs->st; a corrupt or foreign one counts as empty, with a note. */
static int load(const struct forecast_key *k, struct forecast_store *fs)
{
	struct strbuf sb = { 0 };
	struct eph_err err = { "" };
	int rc = sys_read_file(fs->path, FORECAST_FILE_MAX, &sb, &err);

	if (rc < 0) {
		snprintf(fs->note, sizeof(fs->note), "forecast off: %s", err.msg);
	} else if (rc == 2 || (rc == 0 && forecast_parse(sb_str(&sb), sb.len, k, &fs->st, &err) < 0)) {
		snprintf(fs->note, sizeof(fs->note), "the state file %.200s was ignored: %s", fs->path,
			 rc == 2 ? "it is larger than a forecast file can be" : err.msg);
	}
	sb_free(&sb);
	return rc < 0 ? -1 : 0;
}

/* Adds "; " and why to the note. */
static void note_more(struct forecast_store *fs, const char *why)
{
	size_t len = strlen(fs->note);

	snprintf(fs->note + len, sizeof(fs->note) - len, "%sthis run's sample is not recorded: %s",
		 len ? "; " : "", why);
}

void forecast_store_update(const char *dir, const struct forecast_key *k,
			   const struct forecast_sample *s, unsigned wait_ms,
			   struct forecast_store *fs)
{
	char lock_path[sizeof(fs->path) + 8], dflt[4096];
	struct sys_lock lk = { -1 };
	struct strbuf out = { 0 };
	struct eph_err err = { "" }, busy = { "" };
	int locked;

	memset(fs, 0, sizeof(*fs));
	if (!dir) {
		if (sys_state_dir_default(dflt, sizeof(dflt), &err) < 0) {
			snprintf(fs->note, sizeof(fs->note), "forecast off: %s", err.msg);
			return;
		}
		dir = dflt;
	}
	if (make_path(dir, k, fs) < 0) {
		return;
	}
	snprintf(lock_path, sizeof(lock_path), "%s.lock", fs->path);
	locked = sys_lock_file(lock_path, wait_ms, &lk, &busy);
	if (locked < 0) {
		snprintf(fs->note, sizeof(fs->note),
			 "forecast off: %s (the state directory must exist and be writable by the "
			 "user that runs the check; see --state-dir)",
			 busy.msg);
		return;
	}
	/* Busy: the file is still read (it is only ever replaced whole), the sample not added. */
	if (load(k, fs) < 0) {
		goto out;
	}
	if (forecast_add(&fs->st, s, &err) < 0) {
		snprintf(fs->note, sizeof(fs->note), "forecast off: %s", err.msg);
		goto out;
	}
	fs->on = true;
	if (locked == 1) {
		note_more(fs, busy.msg);
		goto out;
	}
	forecast_format(&fs->st, k, &out);
	if (out.overflow || sys_write_file_atomic(fs->path, sb_str(&out), out.len, &err) < 0) {
		note_more(fs, out.overflow ? "out of memory" : err.msg);
		goto out;
	}
	fs->recorded = true;
out:
	sb_free(&out);
	sys_unlock_file(&lk);
	if (!fs->on) {
		forecast_free(&fs->st);
	}
}

void forecast_store_free(struct forecast_store *fs)
{
	forecast_free(&fs->st);
}
