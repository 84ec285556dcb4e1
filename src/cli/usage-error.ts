/** A mistake in how a command was called: printed without a stack, exit status 1. */
export class UsageError extends Error {}
