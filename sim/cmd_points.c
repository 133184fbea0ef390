/*
 * cmd_points.c - `flashsim points`: the failure points, their positions
 * and the fault kinds that apply at each.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "points.h"
#include "sim.h"

static const char *position_text(enum position position)
{
	switch (position) {
	case POSITION_BEFORE: return "before";
	case POSITION_AFTER: return "after";
	case POSITION_BEFORE_COMMIT: return "inside";
	case POSITION_REQUEST: return "request";
	case POSITION_REPLY: return "reply";
	}
	return "?";
}

int command_points(int argc, char **argv, const char *program)
{
	(void)program;
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
			 strcmp(argv[1], "--help") == 0)) {
		printf("usage: flashsim points\n\nLists every failure point:"
		       " its name (use it in --fault POINT@N:KIND), what\n"
		       "happens there, and the fault kinds that apply.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "flashsim points: unexpected argument '%s'\n",
			argv[1]);
		return EXIT_USAGE;
	}
	for (int p = 0; p < POINT_COUNT; p++) {
		const struct point *point = point_get(p);
		char kinds[160];
		bool step = point->position <= POSITION_BEFORE_COMMIT;
		point_kinds_text(p, kinds, sizeof(kinds));
		printf("%-28s %s\n", point->name, kinds);
		if (step)
			printf("    %s\n    %s: %s\n",
			       step_description(point->where),
			       position_text(point->position),
			       point->description);
		else
			printf("    %s\n", point->description);
	}
	printf("\n%d failure points. Kinds: crash (the actor loses its volatile"
	       " state and restarts),\ndrop-request, drop-reply, duplicate,"
	       " delay (past every timeout),\nredis-request-lost,"
	       " redis-reply-lost, redis-crash (SIGKILL and restart from\n"
	       "Redis's own files; see --redis-persistence).\n", POINT_COUNT);
	return 0;
}
