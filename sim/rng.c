/*
 * rng.c - xoshiro256** (Blackman and Vigna), seeded with splitmix64.
 */
#include "rng.h"

#include <assert.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotate_left(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rng_seed(struct rng *rng, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		rng->state[i] = splitmix64(&x);
}

uint64_t rng_next(struct rng *rng)
{
	uint64_t *s = rng->state;
	uint64_t result = rotate_left(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotate_left(s[3], 45);
	return result;
}

uint64_t rng_below(struct rng *rng, uint64_t bound)
{
	assert(bound > 0);
	/* Rejection sampling: no modulo bias. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
	for (;;) {
		uint64_t x = rng_next(rng);
		if (x < limit)
			return x % bound;
	}
}

int64_t rng_range(struct rng *rng, int64_t low, int64_t high)
{
	assert(low <= high);
	return low + (int64_t)rng_below(rng, (uint64_t)(high - low) + 1);
}
