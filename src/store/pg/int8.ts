/**
 * PostgreSQL's int8 (bigint: times in ms, count(*)) arrives from node-postgres as text. fyrkant wants
 * JS numbers, so int8 is parsed to one, and a value a double cannot hold
 * exactly fails the query (never the process).
 */
import { types } from 'pg';

const INT8_OID = 20;

/** Parses int8 text to a number; throws when the value is outside ±(2^53 − 1). */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`bigint ${text} does not fit a JavaScript number exactly (limit ±${Number.MAX_SAFE_INTEGER})`);
  }
  return n;
}

/**
 * Makes node-postgres parse int8 with parseInt8, process-wide. It has to be the global table: drizzle's
 * node-postgres session passes its own per-query parsers, which fall back to the global ones (a pool's
 * `types` option is never asked). fyrkant is the only PostgreSQL user in its process. Idempotent.
 */
export function installInt8Parser(): void {
  types.setTypeParser(INT8_OID, parseInt8);
}
