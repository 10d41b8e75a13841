/* Private to src/ctnl: the message walker shared by the dump runner and ctnl_parse_buf. */
#ifndef NR_CTNL_INTERNAL_H
#define NR_CTNL_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "ctnl/ctnl.h"

struct ctnl_check {
	uint32_t seq, portid;       /* what every reply must carry */
};

/* ctnl_parse_buf with the sequence and port id checked when chk is not NULL. */
int ctnl_walk_buf(const void *buf, size_t len, const struct ctnl_check *chk, ctnl_flow_cb cb,
		  void *arg, struct nr_err *e);

#endif
