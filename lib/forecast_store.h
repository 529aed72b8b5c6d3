/* The forecast's step of a run: read the state file, add this run's sample, write the file
 * back, all under a lock so that concurrent runs keep each other's samples. Portable: the
 * files are reached through sys.h. */
#ifndef FORECAST_STORE_H
#define FORECAST_STORE_H

#include <stdbool.h>

#include "forecast.h"

struct forecast_store {
	char path[4096];   /* the state file; "" when there is no state directory */
	bool on;           /* st holds the samples, this run's included: estimates can be made */
	bool recorded;     /* this run's sample is in the file */
	char note[400];    /* why the forecast is off, or what else went wrong; "" when nothing */
	struct forecast_state st;
};

/* Records sample s (taken at s->t) in the state file for key k in directory dir (NULL: the
 * default, sys_state_dir_default), waiting at most wait_ms for another run's lock. Never
 * fails: a missing or unwritable directory turns the forecast off (fs->on false) with a note;
 * a corrupt or foreign file is ignored (and replaced) with a note; a lock held too long or a
 * failed write leaves the sample unrecorded with a note, the estimate still made from what
 * was read. Call forecast_store_free afterwards. */
void forecast_store_update(const char *dir, const struct forecast_key *k,
			   const struct forecast_sample *s, unsigned wait_ms,
			   struct forecast_store *fs);

void forecast_store_free(struct forecast_store *fs);

#endif
