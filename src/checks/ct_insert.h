/* The node's conntrack insert_failed counter, read around a DNS query pair: the evidence of
 * the conntrack insert race that loses one of two parallel UDP queries (dns-parallel-loss). */
#ifndef NR_CHECKS_CT_INSERT_H
#define NR_CHECKS_CT_INSERT_H

/* Sum over CPUs of insert_failed in this thread's netns's /proc/net/stat/nf_conntrack
 * (the dns check's insert_failed callback; arg unused). 0, or -1 when unreadable. */
int check_ct_insert_failed(unsigned long long *v, void *arg);

#endif
