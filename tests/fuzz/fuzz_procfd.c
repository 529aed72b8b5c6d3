/* libFuzzer target: procfd_parse_link, which reads the link text of /proc/<pid>/fd/N
 * ("socket:[12345]") to find the process that holds a socket. The input is the link text,
 * passed without a terminating NUL as readlink returns it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procfd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1); /* exact size: ASan sees any read past the end */
	uint64_t inode = 0;

	if (!text) {
		return 0;
	}
	memcpy(text, data, size);
	if (procfd_parse_link(text, size, &inode) == 0) {
		/* Only "socket:[DIGITS]" is a socket, and the number is the inode (the kernel
		 * prints no leading zeros; accepting them is harmless). */
		size_t i = 8;
		char digits[4200];

		if (size < 10 || memcmp(text, "socket:[", 8) != 0 || text[size - 1] != ']' ||
		    inode == 0) {
			abort();
		}
		for (; i < size - 1; i++) {
			if (text[i] < '0' || text[i] > '9') {
				abort();
			}
		}
		if (size - 9 < sizeof(digits)) {
			memcpy(digits, text + 8, size - 9);
			digits[size - 9] = '\0';
			if (strtoull(digits, NULL, 10) != inode) {
				abort();
			}
		}
	}
	free(text);
	return 0;
}
