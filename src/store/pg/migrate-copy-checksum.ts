/**
 * An order-independent checksum of a table's rows, computed the same way from either engine's own
 * reading: each value is rendered as PostgreSQL renders it as text (`true`, `123`, JSON as written,
 * `\x…` for bytes), the row is hashed (SHA-256), and the first 8 bytes of every row's hash are
 * summed mod 2^64. Row order does not matter; a changed, lost or extra row changes the sum.
 */
import { createHash } from 'node:crypto';

/** The value families the copy knows (PostgreSQL's types for fyrkant's columns). */
export type CopyFamily = 'boolean' | 'integer' | 'real' | 'bytes' | 'text';

export class RowChecksum {
  private sum = 0n;
  private n = 0;

  /** A row already rendered as text (null stays null), columns in a fixed order. */
  add(rendered: readonly (string | null)[]): void {
    const digest = createHash('sha256').update(JSON.stringify(rendered)).digest();
    this.sum = (this.sum + digest.readBigUInt64BE(0)) & 0xffff_ffff_ffff_ffffn;
    this.n++;
  }

  get rows(): number {
    return this.n;
  }

  get hex(): string {
    return this.sum.toString(16).padStart(16, '0');
  }
}

/** A SQLite value as PostgreSQL's `::text` shows the copied value. */
export function renderSqliteValue(value: unknown, family: CopyFamily): string | null {
  if (value === null || value === undefined) return null;
  switch (family) {
    case 'boolean':
      return Number(value) !== 0 ? 'true' : 'false';
    case 'bytes':
      return `\\x${Buffer.from(value as Uint8Array).toString('hex')}`;
    case 'real':
      return String(Number(value));
    default:
      return typeof value === 'bigint' ? value.toString() : String(value);
  }
}

/** A value PostgreSQL rendered with `::text`; reals normalised as on the SQLite side. */
export function renderPgText(text: string | null, family: CopyFamily): string | null {
  if (text === null) return null;
  return family === 'real' ? String(Number(text)) : text;
}

/** The copy family of an information_schema data_type. */
export function copyFamily(dataType: string): CopyFamily {
  switch (dataType) {
    case 'boolean':
      return 'boolean';
    case 'smallint':
    case 'integer':
    case 'bigint':
      return 'integer';
    case 'real':
    case 'double precision':
    case 'numeric':
      return 'real';
    case 'bytea':
      return 'bytes';
    default:
      return 'text';
  }
}
