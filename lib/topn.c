#include "topn.h"

#include <string.h>

void topn_offer(void *rows, size_t *n, size_t max, size_t size, const void *item,
		bool (*before)(const void *a, const void *b))
{
	unsigned char *r = rows;
	size_t last, j;

	if (max == 0 || (*n == max && !before(item, r + (max - 1) * size))) {
		return;
	}
	/* Insertion into a sorted array: N is a "top N", tens of rows. */
	last = *n < max ? (*n)++ : max - 1; /* the slot that is free, or freed */
	j = last;
	while (j > 0 && before(item, r + (j - 1) * size)) {
		j--;
	}
	memmove(r + (j + 1) * size, r + j * size, (last - j) * size);
	memcpy(r + j * size, item, size);
}
