/**
 * PostgreSQL's int8 (bigint: times in ms, count(*)) arrives from node-postgres as text. fyrkant wants
 * JS numbers, so int8 is parsed to one — per pool, not process-wide — and a value a double cannot hold
 * exactly fails the query (never the process).
 */
import { type PoolConfig, types } from 'pg';

const INT8_OID = 20;

/** Parses int8 text to a number; throws when the value is outside ±(2^53 − 1). */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`bigint ${text} does not fit a JavaScript number exactly (limit ±${Number.MAX_SAFE_INTEGER})`);
  }
  return n;
}

/** node-postgres type parsers for one pool: int8 via parseInt8, everything else as usual. */
export const int8AsNumber: NonNullable<PoolConfig['types']> = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : types.getTypeParser(oid, format as 'text')) as NonNullable<
    PoolConfig['types']
  >['getTypeParser'],
};
