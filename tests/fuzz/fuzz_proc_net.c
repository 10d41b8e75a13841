/* /proc/net/{tcp,tcp6,udp,udp6} parsing on arbitrary bytes, as each of the four files: no read
 * outside the input, states and families always in range. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "sockets/sockets.h"

static int check(const struct sock_entry *s, void *arg)
{
	(void)arg;
	if (s->state < 1 || s->state > 12 || s->lport > 65535 || s->rport > 65535)
		abort();
	if (s->family != AF_INET && s->family != AF_INET6)
		abort();
	sock_state_name(s);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;

	sock_parse_proc_net(b, size, AF_INET, IPPROTO_TCP, check, NULL);
	sock_parse_proc_net(b, size, AF_INET6, IPPROTO_TCP, check, NULL);
	sock_parse_proc_net(b, size, AF_INET, IPPROTO_UDP, check, NULL);
	sock_parse_proc_net(b, size, AF_INET6, IPPROTO_UDP, check, NULL);
	return 0;
}
