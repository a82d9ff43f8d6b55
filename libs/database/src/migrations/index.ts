import { Foundation1763700000000 } from './1763700000000-foundation';
import { Outbox1763800000000 } from './1763800000000-outbox';
import { Email1764000000000 } from './1764000000000-email';

/** Every migration, in order. New migrations are appended here. */
export const MIGRATIONS = [Foundation1763700000000, Outbox1763800000000, Email1764000000000];
