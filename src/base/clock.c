/* CLOCK_MONOTONIC: immune to the node clock being set while a probe runs. */
#include <time.h>

#include "base/clock.h"

double nr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}
