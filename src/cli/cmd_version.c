#include <pcap/pcap.h>
#include <stdio.h>

#include "cli/cli.h"
#include "report/json.h"
#include "tls/tls.h"
#include "upload/upload.h"
#include "version.h"

/* The architecture the binary was built for (the node's, when it runs). */
#if defined(__x86_64__)
#define NR_ARCH "x86_64"
#elif defined(__aarch64__)
#define NR_ARCH "aarch64"
#else
#define NR_ARCH "unknown"
#endif

static int run(struct cli *c, int argc, char **argv)
{
	struct cli_parse p;
	struct jw w;
	struct tls_impl ti;
	int id;

	if ((id = cli_no_args(&p, c, argc, argv)) != CLI_GO)
		return id;
	tls_impl(&ti);
	if (c->json) {
		cli_json_begin(c, &w, "version");
		jw_kstr(&w, "commit", NR_COMMIT);
		jw_kstr(&w, "arch", NR_ARCH);
		jw_kstr(&w, "libpcap", pcap_lib_version());
		jw_kstr(&w, "libpcap_debian", NR_LIBPCAP_DEBIAN);
		jw_kstr(&w, "bearssl", NR_BEARSSL_VERSION);
		jw_kstr(&w, "bearssl_debian", NR_BEARSSL_DEBIAN);
		jw_kstr(&w, "ca_roots", NR_CA_BUNDLE);
		jw_kint(&w, "build_epoch", NR_BUILD_EPOCH);
		jw_key(&w, "crypto");
		jw_obj(&w);
		jw_kstr(&w, "crc32c", upload_crc32c_impl());
		jw_kstr(&w, "aes", ti.aes);
		jw_kstr(&w, "ghash", ti.ghash);
		jw_kstr(&w, "chacha20", ti.chacha20);
		jw_kstr(&w, "tls_first_suite", ti.first);
		jw_obj_end(&w);
		return cli_json_end(c, &w) ? EXIT_CANNOT : EXIT_OK;
	}
	printf("netrescue %s (commit %s) %s\n", NR_VERSION, NR_COMMIT, NR_ARCH);
	printf("%s (Debian %s)\n", pcap_lib_version(), NR_LIBPCAP_DEBIAN);
	printf("BearSSL %s (Debian %s)\n", NR_BEARSSL_VERSION, NR_BEARSSL_DEBIAN);
	printf("CA roots: %s\n", NR_CA_BUNDLE);
	printf("crypto: crc32c %s, %s, %s, %s; TLS offers %s first\n", upload_crc32c_impl(), ti.aes,
	       ti.ghash, ti.chacha20, ti.first);
	return EXIT_OK;
}

const struct cli_cmd cmd_version = {
	"version", "version", "print netrescue, libpcap and BearSSL versions and the git commit",
	"example:\n  netrescue --json version\n", run,
};
