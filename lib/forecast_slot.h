/* What lib/forecast.c shares with lib/forecast_parse.c, and nothing else sees: the state's growth
 * and the view of its samples by namespace key. */
#ifndef FORECAST_SLOT_H
#define FORECAST_SLOT_H

#include <stddef.h>

#include "forecast.h"

/* The samples of st by namespace key, each key's in time order (by index): a key's samples are
 * next to each other, and so are the keys of one inode ("123:a", "123:b"), which share their
 * start. */
struct forecast_slot {
	const char *ns;
	size_t i;
};

/* Makes room in st for n samples in all; -1 when memory runs out (st unchanged). */
int forecast_reserve(struct forecast_state *st, size_t n);

/* Fills v (st->n slots) and sorts it. */
void forecast_slots_sort(const struct forecast_state *st, struct forecast_slot *v);

/* The end of the run of slots from j on with v[j]'s key. */
size_t forecast_slot_key_end(const struct forecast_slot *v, size_t n, size_t j);

#endif
