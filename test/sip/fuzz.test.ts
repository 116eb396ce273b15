/**
 * Property: no mutated message makes the parser (or the TCP framer) throw, and whatever parses is
 * usable — typed accessors and serialization work and the result parses again. ≥ 100,000 cases.
 */
import fc from 'fast-check';
import { parseMessage, type SipMessage, serialize } from '../../src/telephony/embedded/sip/message';
import { StreamFramer } from '../../src/telephony/embedded/sip/transport';
import { corpus } from './corpus';
import { applyMutations, mutationArb } from './support/mutate';

const CORPUS = corpus();

function touch(m: SipMessage): void {
  // Everything the UA reads from an incoming message.
  void m.via;
  void m.viaList();
  void m.cseq;
  void m.callId;
  void m.fromAddr();
  void m.toAddr();
  void m.contacts();
  void m.recordRoutes();
  void m.routes();
  void m.contentType;
  void m.contentLength;
  void m.bodyText;
  void m.tags('require');
  if (m.kind === 'request') void m.requestUri();
}

describe('SIP parser fuzzing (fast-check)', () => {
  it('survives 100,000 mutated messages', () => {
    let parsed = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: CORPUS.length - 1 }),
        fc.array(mutationArb(), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (idx, muts, stream) => {
          const data = applyMutations(CORPUS[idx]!, muts, CORPUS);
          const r = parseMessage(data, { stream });
          if (!r.ok) return typeof r.reason === 'string' && r.reason.length > 0;
          parsed++;
          touch(r.message);
          const again = parseMessage(serialize(r.message));
          return again.ok;
        },
      ),
      { numRuns: 100_000, seed: Number(process.env.FUZZ_SEED ?? 4475) },
    );
    // The mutations are not all fatal: a good share must still parse, or the test checks little.
    expect(parsed).toBeGreaterThan(5_000);
  }, 120_000);

  it('the TCP framer survives arbitrary chunked garbage with a bounded buffer', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const f = new StreamFramer(2048);
        for (const c of chunks) {
          const { error } = f.push(Buffer.from(c));
          if (error) return true;
        }
        return true;
      }),
      { numRuns: 5_000 },
    );
  });
});
