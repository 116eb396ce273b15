/**
 * Unsolicited traffic control: known scanners (SIPVicious "friendly-scanner" and friends) are dropped
 * without an answer; other out-of-dialog requests are limited per source IP with a token bucket.
 */
const SCANNER_AGENTS = [
  'friendly-scanner',
  'sipvicious',
  'sipcli',
  'sip-scan',
  'vaxsipuseragent',
  'pplsip',
  'iwar',
  'sivus',
  'sundayddr',
  'smap',
];

export function isScanner(userAgent: string | undefined): boolean {
  if (!userAgent) return false;
  const ua = userAgent.toLowerCase();
  return SCANNER_AGENTS.some((s) => ua.includes(s));
}

const USER_AGENT_LINE = /^user-agent[ \t]*:([^\r\n]*)/gim;
/** How far into a message the User-Agent is looked for (the header section of any sane request). */
const SCAN_WINDOW = 8192;

/**
 * The scanner check on the raw bytes, BEFORE the message is parsed or validated: SIPVicious `svmap`
 * sends `REGISTER` with `Contact: None`, which a validating parser answers with 400 — and any answer
 * tells the scanner that something lives here. So scanners must be recognised without parsing.
 */
export function isScannerMessage(data: Buffer): boolean {
  const head = data.toString('latin1', 0, Math.min(data.length, SCAN_WINDOW));
  const end = head.indexOf('\r\n\r\n');
  const section = end >= 0 ? head.slice(0, end) : head;
  for (const m of section.matchAll(USER_AGENT_LINE)) if (isScanner(m[1])) return true;
  return false;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Requests dropped (scanners + over the limit). */
  dropped = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    /** The clock the buckets refill by (injected so tests control time instead of sleeping). */
    private readonly clock: () => number = Date.now,
    private readonly maxSources = 10_000,
  ) {}

  allow(source: string, now = this.clock()): boolean {
    let b = this.buckets.get(source);
    if (!b) {
      if (this.buckets.size >= this.maxSources) this.evict(now);
      b = { tokens: this.burst, at: now };
      this.buckets.set(source, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) {
      this.dropped++;
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  /** Forget full buckets (idle sources); if that frees nothing, start over. */
  private evict(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(k);
    }
    if (this.buckets.size >= this.maxSources) this.buckets.clear();
  }
}
