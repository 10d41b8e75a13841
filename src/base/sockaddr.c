/* nr_addr -> sockaddr_in / sockaddr_in6. */
#include <netinet/in.h>
#include <string.h>

#include "base/sockaddr.h"

socklen_t nr_sockaddr(const struct nr_addr *a, unsigned port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (a->family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		memcpy(&s4->sin_addr, a->a, 4);
		return sizeof *s4;
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((unsigned short)port);
	memcpy(&s6->sin6_addr, a->a, 16);
	return sizeof *s6;
}
