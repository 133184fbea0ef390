/*
 * queue.c - binary min-heap of events (see queue.h).
 */
#include "queue.h"

#include <stdlib.h>

static bool before(const struct event *a, const struct event *b)
{
	if (a->time_ms != b->time_ms)
		return a->time_ms < b->time_ms;
	if (a->tie_break != b->tie_break)
		return a->tie_break < b->tie_break;
	return a->sequence < b->sequence;
}

int queue_init(struct queue *queue, size_t capacity)
{
	queue->events = malloc(capacity * sizeof(*queue->events));
	queue->count = 0;
	queue->capacity = queue->events ? capacity : 0;
	return queue->events ? 0 : -1;
}

void queue_free(struct queue *queue)
{
	free(queue->events);
	queue->events = NULL;
	queue->count = 0;
	queue->capacity = 0;
}

int queue_push(struct queue *queue, const struct event *event)
{
	size_t i;
	if (queue->count == queue->capacity)
		return -1;
	i = queue->count++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(event, &queue->events[parent]))
			break;
		queue->events[i] = queue->events[parent];
		i = parent;
	}
	queue->events[i] = *event;
	return 0;
}

bool queue_pop(struct queue *queue, struct event *event)
{
	struct event last;
	size_t i = 0;
	if (queue->count == 0)
		return false;
	*event = queue->events[0];
	last = queue->events[--queue->count];
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= queue->count)
			break;
		if (child + 1 < queue->count &&
		    before(&queue->events[child + 1], &queue->events[child]))
			child++;
		if (!before(&queue->events[child], &last))
			break;
		queue->events[i] = queue->events[child];
		i = child;
	}
	if (queue->count > 0)
		queue->events[i] = last;
	return true;
}
