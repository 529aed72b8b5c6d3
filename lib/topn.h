/* The one top-N selection: the --top tables' rows (attrib.c) and the busiest destinations
 * (tally.c) keep their N best in a small sorted array while they walk everything once. */
#ifndef TOPN_H
#define TOPN_H

#include <stdbool.h>
#include <stddef.h>

/* Offers item to the list rows[0..*n) of at most max elements of size bytes, kept in the order
 * of before (true when a goes before b): the item goes to its place (after its equals), the
 * last element drops out of a full list; an item that does not make the list is ignored. */
void topn_offer(void *rows, size_t *n, size_t max, size_t size, const void *item,
		bool (*before)(const void *a, const void *b));

#endif
