/* libFuzzer target: the whole argv parser. The input is split on NUL bytes into arguments
 * (argv[0] is the program name), as a shell or NRPE would hand them over. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	struct eph_config cfg;
	struct strbuf out = { 0 };
	struct eph_err err = { "" };
	size_t start = 0;

	if (!copy) {
		return 0;
	}
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = "check_ephemeral";
	for (size_t i = 0; i <= size && argc < MAX_ARGS + 1; i++) {
		if (copy[i] == '\0') {
			argv[argc++] = copy + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	switch (cli_parse(argc, argv, &cfg, &out, &err)) {
	case CLI_RUN:
		/* A config to run with must be complete. */
		if (cfg.timeout == 0 || (!cfg.proto[EPH_TCP] && !cfg.proto[EPH_UDP]) ||
		    cfg.families == 0 || !cfg.output) {
			abort();
		}
		break;
	case CLI_EXIT:
		if (out.len == 0) {
			abort();
		}
		break;
	case CLI_ERROR:
		/* Every refusal says why, on one line. */
		if (err.msg[0] == '\0' || strchr(err.msg, '\n')) {
			abort();
		}
		break;
	default:
		abort();
	}
	sb_free(&out);
	free(copy);
	return 0;
}
