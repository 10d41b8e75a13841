/* The monotonic clock in milliseconds, for timing probes and bounding waits. */
#ifndef NR_BASE_CLOCK_H
#define NR_BASE_CLOCK_H

double nr_now_ms(void);

#endif
