import { randomUUID } from 'node:crypto';

/** Random, unguessable ids for rows that are shown to users and passed in URLs. */
export function newId(): string {
  return randomUUID();
}
