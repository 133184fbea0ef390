/*
 * queue.h - the simulator's event queue: a binary min-heap ordered by
 * (virtual time, tie-break, sequence). The tie-break is drawn from the
 * seeded PRNG when the event is queued, so events at the same instant run in
 * a seed-determined order; the sequence number makes the order total.
 *
 * The queue is allocated once with a fixed capacity; pushing into a full
 * queue fails (the caller reports an internal error).
 */
#ifndef FLASHSIM_QUEUE_H
#define FLASHSIM_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "effect.h"

enum event_kind {
	EVENT_ARRIVE,  /* a user arrives and sends its request */
	EVENT_EXECUTE, /* a Redis or SQL effect reaches its server */
	EVENT_RESUME,  /* an effect's outcome (or a wait's end) reaches its task */
	EVENT_DELIVER, /* a message reaches its actor */
	EVENT_TIMEOUT, /* a call waited too long for its reply */
	EVENT_RESTART, /* a crashed actor starts again */
	EVENT_CONTINUE, /* a paused task performs its effect at last */
	EVENT_LATE_COMMAND, /* a delayed Redis command reaches the server */
};

/* Where a reply goes: a task, as it was when it made the call. */
struct address {
	uint32_t task;
	uint32_t generation;
	uint32_t call;
	int actor;
};

struct event {
	int64_t time_ms;
	uint64_t tie_break;
	uint64_t sequence;
	enum event_kind kind;
	struct address target;   /* task events; DELIVER of a reply */
	int actor;               /* ARRIVE, RESTART, DELIVER of a request;
	                            LATE_COMMAND: its slot */
	bool is_reply;           /* DELIVER only */
	struct address reply_to; /* DELIVER of a request: the caller */
	struct message message;  /* DELIVER only */
};

struct queue {
	struct event *events;
	size_t count;
	size_t capacity;
};

int queue_init(struct queue *queue, size_t capacity);
void queue_free(struct queue *queue);
/* Returns 0, or -1 when the queue is full. */
int queue_push(struct queue *queue, const struct event *event);
/* Removes the first event into *event; false when empty. */
bool queue_pop(struct queue *queue, struct event *event);

#endif
