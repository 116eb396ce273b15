/**
 * Reliable provisional responses, UAC side (RFC 3262): a 1xx with `Require: 100rel` and an `RSeq` is
 * acknowledged with a PRACK inside its early dialog (`RAck: <rseq> <cseq> INVITE`). Each early dialog
 * (To tag) has its own RSeq space: the first reliable 1xx sets it, after that only RSeq + 1 is new;
 * a retransmission (our PRACK is still on its way, or was lost — the PRACK transaction retransmits
 * itself) or an out-of-order one is neither PRACKed again nor processed (§4).
 */
import type { SipResponse } from '../message';

export type ReliableVerdict =
  /** Not sent reliably: process as usual, no PRACK. */
  | { readonly kind: 'unreliable' }
  /** A new reliable 1xx: process it and PRACK with this RAck value. */
  | { readonly kind: 'new'; readonly rack: string }
  /** A retransmission or out-of-order reliable 1xx: drop it. */
  | { readonly kind: 'repeat' };

export class ReliableProvisionals {
  private readonly lastRseq = new Map<string, number>();

  /** Classify a provisional response (> 100) of the INVITE. */
  check(res: SipResponse): ReliableVerdict {
    if (res.status <= 100 || res.status >= 200 || !res.tags('require').includes('100rel'))
      return { kind: 'unreliable' };
    const tag = res.toTag;
    const rseq = Number.parseInt(res.get('rseq') ?? '', 10);
    // Without a To tag or a valid RSeq there is no early dialog to PRACK in (§7.1: 1..2^31-1).
    if (!tag || !Number.isInteger(rseq) || rseq < 1 || rseq > 0x7fffffff) return { kind: 'unreliable' };
    const last = this.lastRseq.get(tag);
    if (last !== undefined && rseq !== last + 1) return { kind: 'repeat' };
    this.lastRseq.set(tag, rseq);
    return { kind: 'new', rack: `${rseq} ${res.cseq.seq} INVITE` };
  }
}
