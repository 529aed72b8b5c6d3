/* A stand-in for netsh.exe under wine (whose own netsh prints nothing). For
 *   netsh int ipv4|ipv6 show dynamicport tcp|udp
 *   netsh int ipv4|ipv6 show excludedportrange protocol=tcp|udp
 * it prints %FAKE_NETSH_DIR%\dynamicport_<ipvX>_<proto>.txt or excludedportrange_<...>.txt
 * byte for byte (tests/data/netsh/en or de) and exits 0; anything else gets netsh's
 * "command was not found" and exit 1. FAKE_NETSH_SLEEP=N makes it sleep N seconds first (a hung
 * netsh, for the -t test). Windows only; the mingw build puts it at
 * build/win/tests/helper/netsh.exe. */
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

int main(int argc, char **argv)
{
	const char *dir = getenv("FAKE_NETSH_DIR");
	const char *sleep_s = getenv("FAKE_NETSH_SLEEP");
	const char *proto;
	char path[1024], buf[4096];
	size_t n;
	FILE *f;

	_setmode(_fileno(stdout), _O_BINARY); /* the files already have CRLF */
	if (sleep_s) {
		Sleep((DWORD)atoi(sleep_s) * 1000);
	}
	if (!dir || argc != 6 || strcmp(argv[1], "int") != 0 || strcmp(argv[3], "show") != 0 ||
	    (strcmp(argv[2], "ipv4") != 0 && strcmp(argv[2], "ipv6") != 0)) {
		goto unknown;
	}
	proto = argv[5];
	if (strcmp(argv[4], "excludedportrange") == 0 && strncmp(proto, "protocol=", 9) == 0) {
		proto += 9;
	} else if (strcmp(argv[4], "dynamicport") != 0) {
		goto unknown;
	}
	if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0) {
		goto unknown;
	}
	snprintf(path, sizeof(path), "%s/%s_%s_%s.txt", dir, argv[4], argv[2], proto);
	f = fopen(path, "rb");
	if (!f) {
		goto unknown;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		fwrite(buf, 1, n, stdout);
	}
	fclose(f);
	return 0;
unknown:
	printf("The following command was not found:");
	for (int i = 1; i < argc; i++) {
		printf(" %s", argv[i]);
	}
	printf(".\r\n");
	return 1;
}
