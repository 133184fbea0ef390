/*
 * rng.h - the simulator's seeded pseudo-random numbers (xoshiro256**,
 * seeded through splitmix64). Every choice the simulator makes - arrival
 * times, latencies, which instance serves a request, the order of events at
 * the same instant - is drawn from here, so a seed fixes the whole run.
 */
#ifndef FLASHSIM_RNG_H
#define FLASHSIM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t state[4];
};

void rng_seed(struct rng *rng, uint64_t seed);
uint64_t rng_next(struct rng *rng);
/* Uniform in [0, bound); bound > 0. */
uint64_t rng_below(struct rng *rng, uint64_t bound);
/* Uniform in [low, high]; low <= high. */
int64_t rng_range(struct rng *rng, int64_t low, int64_t high);

#endif
