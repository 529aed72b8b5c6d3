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

/* Reads the file into st; a corrupt or foreign one counts as empty, with a note (unless fs
 * already has one: the read before the lock saw the same file). -1 with err set when the file
 * cannot be read. */
static int load(const struct forecast_key *k, struct forecast_store *fs, struct forecast_state *st,
		struct eph_err *err)
{
	struct strbuf sb = { 0 };
	struct eph_err why = { "" };
	int rc = sys_read_file(fs->path, FORECAST_FILE_MAX, &sb, err);

	if ((rc == 2 || (rc == 0 && forecast_parse(sb_str(&sb), sb.len, k, st, &why) < 0)) &&
	    !fs->note[0]) {
		snprintf(fs->note, sizeof(fs->note), "the state file %.200s was ignored: %s", fs->path,
			 rc == 2 ? "it is larger than a forecast file can be" : why.msg);
	}
	sb_free(&sb);
	return rc < 0 ? -1 : 0;
}

/* Adds "; " and text to the note. */
static void note_add(struct forecast_store *fs, const char *text)
{
	size_t len = strlen(fs->note);

	snprintf(fs->note + len, sizeof(fs->note) - len, "%s%s", len ? "; " : "", text);
}

static void note_not_recorded(struct forecast_store *fs, const char *why)
{
	char text[sizeof(fs->note)];

	snprintf(text, sizeof(text), "this run's sample is not recorded: %s", why);
	note_add(fs, text);
}

/* Says what forecast_add dropped to keep the file's bounds. */
static void note_drops(struct forecast_store *fs, const struct forecast_drops *d)
{
	char text[200];

	if (d->renamed) {
		snprintf(text, sizeof(text),
			 "%zu sample(s) dropped: their namespace's inode now has another name (a new "
			 "namespace)",
			 d->renamed);
		note_add(fs, text);
	}
	if (d->unseen || d->capped) {
		int n = snprintf(text, sizeof(text),
				 "%zu sample(s) dropped, the oldest first, to keep the file within %d "
				 "per namespace and %d in all",
				 d->unseen + d->capped, FORECAST_MAX_SAMPLES, FORECAST_MAX_TOTAL);

		if (d->unseen && n > 0 && (size_t)n < sizeof(text)) {
			snprintf(text + n, sizeof(text) - (size_t)n,
				 " (%zu of namespaces not checked in this run)", d->unseen);
		}
		note_add(fs, text);
	}
}

void forecast_store_read(const char *dir, const struct forecast_key *k, unsigned wait_ms,
			 struct forecast_store *fs)
{
	char lock_path[sizeof(fs->path) + 8], dflt[4096];
	struct sys_lock lk = { -1 };
	struct eph_err err = { "" }, busy = { "" };

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
	/* Busy: the file is still read (it is only ever replaced whole). */
	if (sys_lock_file(lock_path, wait_ms, &lk, &busy) < 0) {
		snprintf(fs->note, sizeof(fs->note),
			 "forecast off: %s (the state directory must exist and be writable by the "
			 "user that runs the check; see --state-dir)",
			 busy.msg);
		return;
	}
	sys_unlock_file(&lk);
	if (load(k, fs, &fs->st, &err) < 0) {
		snprintf(fs->note, sizeof(fs->note), "forecast off: %s", err.msg);
		forecast_free(&fs->st);
		return;
	}
	fs->on = true;
}

void forecast_store_record(const struct forecast_key *k, const struct forecast_sample *s,
			   size_t n, unsigned wait_ms, struct forecast_store *fs)
{
	char lock_path[sizeof(fs->path) + 8];
	struct sys_lock lk = { -1 };
	struct strbuf out = { 0 };
	struct forecast_state now = { 0 };
	struct forecast_drops drops;
	struct eph_err err = { "" };
	int locked;

	if (!fs->on) {
		return;
	}
	snprintf(lock_path, sizeof(lock_path), "%s.lock", fs->path);
	locked = sys_lock_file(lock_path, wait_ms, &lk, &err);
	if (locked != 0) {
		note_not_recorded(fs, err.msg);
		/* The estimates still count this run: its samples join what was read. */
		if (forecast_add(&fs->st, s, n, NULL, &err) < 0) {
			note_add(fs, err.msg);
		}
		goto out;
	}
	/* Under the lock, the file once more: another run may have replaced it since. */
	if (load(k, fs, &now, &err) < 0) {
		note_not_recorded(fs, err.msg);
		forecast_add(&fs->st, s, n, NULL, &err);
		goto out;
	}
	if (forecast_add(&now, s, n, &drops, &err) < 0) {
		note_not_recorded(fs, err.msg);
		goto out;
	}
	forecast_free(&fs->st);
	fs->st = now;
	now = (struct forecast_state){ 0 };
	note_drops(fs, &drops);
	forecast_format(&fs->st, k, &out);
	if (out.overflow || sys_write_file_atomic(fs->path, sb_str(&out), out.len, &err) < 0) {
		note_not_recorded(fs, out.overflow ? "out of memory" : err.msg);
		goto out;
	}
	fs->recorded = true;
out:
	forecast_free(&now);
	sb_free(&out);
	sys_unlock_file(&lk);
}

void forecast_store_free(struct forecast_store *fs)
{
	forecast_free(&fs->st);
}
