/* Which capabilities this process holds, so that "permission denied" is read right: without
 * CAP_SYS_PTRACE an unreadable /proc/PID/ns/net means "not allowed to look" (say so); with
 * it, it only means the process was exiting or changing credentials meanwhile (skip it). */
#ifndef NR_BASE_CAPS_H
#define NR_BASE_CAPS_H

/* 1 when cap (CAP_* of linux/capability.h) is in the effective set, else 0. */
int nr_cap_effective(int cap);

#endif
