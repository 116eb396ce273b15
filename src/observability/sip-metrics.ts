/**
 * The embedded SIP stack's counters on /metrics (issue 13): what it received, answered, and above all
 * what it dropped — scanners, rate limits, a full transaction table, oversize requests, TCP
 * connections refused or closed for silence — and the OPTIONS and INVITEs a draining node answered
 * 503 (issue 19), read from the stack at scrape time.
 */
import { Gauge, type Registry } from 'prom-client';

/** The stack's counters by name (SipSignalling.stats()). */
export type SipStats = () => Readonly<Record<string, number>>;

export function registerSipMetrics(registry: Registry, stats: SipStats): void {
  new Gauge({
    name: 'fyrkant_sip_stack',
    help: 'Embedded SIP stack counters since start (received, sent, dropped by reason, refused while draining, TCP connections), by counter.',
    labelNames: ['counter'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [counter, value] of Object.entries(stats())) this.set({ counter }, value);
    },
  });
}
