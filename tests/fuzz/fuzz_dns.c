/* The parsers of bytes from outside that probe and dns read: a DNS reply (compression
 * pointers, RDATA), the pod's resolv.conf and the search list built from it, a server's DER
 * certificate, and a raw ICMP packet. No crash, no read past the input, and what is kept stays
 * within its bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "probe/probe.h"
#include "tls/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_reply r;
	static struct dns_resolv rc;
	static char cand[DNS_SEARCH_MAX + 1][DNS_NAME_MAX];
	struct tls_cert_info ci;
	int i, k, mtu = 0;

	if (!dns_reply_parse(data, size, &r)) {
		if (r.nans > DNS_ANS_MAX || strlen(r.qname) >= DNS_NAME_MAX)
			abort();
		for (i = 0; i < r.nans; i++)
			if (strlen(r.an[i].name) >= DNS_NAME_MAX || strlen(r.an[i].data) >= DNS_RDATA_TXT)
				abort();
	}
	dns_resolv_parse((const char *)data, size, &rc);
	if (rc.nns < 1 || rc.nns > DNS_NS_MAX || rc.nsearch > DNS_SEARCH_MAX || rc.ndots > 15)
		abort();
	k = dns_search_list(&rc, "web", cand, DNS_SEARCH_MAX + 1);
	if (k < 1 || k > DNS_SEARCH_MAX + 1)
		abort();
	if (!tls_cert_info(data, size, &ci) &&
	    (strlen(ci.subject) >= TLS_DN_MAX || strlen(ci.issuer) >= TLS_DN_MAX))
		abort();
	probe_icmp_classify(data, size, 0x4242, 7, &mtu);
	return 0;
}
