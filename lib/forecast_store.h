/* The forecast's step of a run: read the state file (forecast_store_read), then add this run's
 * samples and write the file back under a lock (forecast_store_record), so that concurrent runs
 * keep each other's samples. With --netns the namespaces are read in between, each judged on the
 * samples read before. Portable: the files are reached through sys.h. */
#ifndef FORECAST_STORE_H
#define FORECAST_STORE_H

#include <stdbool.h>

#include "forecast.h"

struct forecast_store {
	char path[4096];   /* the state file; "" when there is no state directory */
	bool on;           /* st holds the samples read (after forecast_store_record, this run's
			    * included): estimates can be made */
	bool recorded;     /* this run's samples are in the file */
	char note[400];    /* why the forecast is off, or what else went wrong; "" when nothing */
	struct forecast_state st;
};

/* Reads the state file for key k in directory dir (NULL: the default, sys_state_dir_default)
 * into fs, waiting at most wait_ms for another run's lock, which it takes and releases at once:
 * the file is only ever replaced whole, the lock says whether the directory is usable. Never
 * fails: a missing or unwritable directory turns the forecast off (fs->on false) with a note; a
 * corrupt or foreign file is ignored (an empty state) with a note. Call forecast_store_free
 * afterwards. */
void forecast_store_read(const char *dir, const struct forecast_key *k, unsigned wait_ms,
			 struct forecast_store *fs);

/* Records this run's samples s[0..n-1] (forecast_add: all taken at one time, one per
 * namespace) in the file forecast_store_read read into fs, when fs->on: under the lock, waiting
 * at most wait_ms, the file is read again (another run may have added its samples since), the
 * samples added and the file replaced. fs->st then holds the samples, this run's included, and
 * the note says when forecast_add dropped samples to keep the bounds. A lock held too long or a
 * failed write leaves the samples unrecorded (fs->recorded false) with a note; they are in
 * fs->st all the same. */
void forecast_store_record(const struct forecast_key *k, const struct forecast_sample *s,
			   size_t n, unsigned wait_ms, struct forecast_store *fs);

void forecast_store_free(struct forecast_store *fs);

#endif
