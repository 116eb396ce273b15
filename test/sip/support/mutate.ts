/**
 * Mutations of valid SIP messages for fuzzing (shared by the fast-check test and `npm run fuzz:sip`):
 * byte flips, SIP-significant characters, insertions, deletions, duplications, truncation, splicing.
 */
import fc from 'fast-check';

const SPECIAL = [
  ',',
  ';',
  '"',
  '<',
  '>',
  ':',
  '\r\n',
  '\r\n ',
  ' ',
  '\t',
  '%',
  '%0',
  '\0',
  '=',
  '@',
  '[',
  ']',
  '\\',
  '/',
  '?',
  '0',
  '4294967296',
  '-1',
  '\r\n\r\n',
  'Content-Length: 99999\r\n',
  'Via: ',
  '\u00ff',
];

export type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'duplicate'; at: number; len: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; other: number; from: number };

export function mutationArb(): fc.Arbitrary<Mutation> {
  const at = fc.nat({ max: 1_000_000 });
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at, byte: fc.nat({ max: 255 }) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at,
      text: fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ maxLength: 8 })),
    }),
    fc.record({ kind: fc.constant('delete' as const), at, len: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('duplicate' as const), at, len: fc.integer({ min: 1, max: 80 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at }),
    fc.record({
      kind: fc.constant('splice' as const),
      at,
      other: fc.nat({ max: 1000 }),
      from: fc.nat({ max: 1_000_000 }),
    }),
  );
}

export function applyMutations(base: Buffer, muts: readonly Mutation[], corpus: readonly Buffer[]): Buffer {
  let b = base;
  for (const m of muts) {
    const n = b.length;
    const at = n === 0 ? 0 : m.at % n;
    switch (m.kind) {
      case 'flip': {
        if (n === 0) break;
        const c = Buffer.from(b);
        c[at] = m.byte;
        b = c;
        break;
      }
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.text, 'latin1'), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'splice': {
        const other = corpus[m.other % corpus.length]!;
        b = Buffer.concat([b.subarray(0, at), other.subarray(other.length ? m.from % other.length : 0)]);
        break;
      }
    }
  }
  return b;
}
