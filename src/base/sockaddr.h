/* An nr_addr and a port as the sockaddr that connect()/sendto() take. */
#ifndef NR_BASE_SOCKADDR_H
#define NR_BASE_SOCKADDR_H
#include <sys/socket.h>

#include "base/parse.h"

/* Fills ss (AF_INET or AF_INET6 from a->family) and returns its length. */
socklen_t nr_sockaddr(const struct nr_addr *a, unsigned port, struct sockaddr_storage *ss);

#endif
