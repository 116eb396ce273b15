/**
 * Prometheus counters of the RADIUS door, registered in the app's registry so `/metrics` shows them
 * next to the call metrics.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export const DROP_REASONS = [
  'malformed',
  'unknown-client',
  'unsupported-code',
  'bad-authenticator',
  'missing-message-authenticator',
  'overload',
  'draining',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface RadiusMetrics {
  readonly requests: Counter<'client'>;
  readonly accepts: Counter<'client'>;
  readonly rejects: Counter<'client'>;
  readonly challenges: Counter<'client'>;
  readonly duplicates: Counter<'client'>;
  /** Client is the configured name, or `unknown` (never a raw source address: bounded labels). */
  readonly drops: Counter<'reason' | 'client'>;
  readonly pending: Gauge;
}

export function createRadiusMetrics(registry: Registry): RadiusMetrics {
  const registers = [registry];
  const perClient = (name: string, help: string) =>
    new Counter({ name: `fyrkant_radius_${name}_total`, help, labelNames: ['client'] as const, registers });
  return {
    requests: perClient(
      'requests',
      'RADIUS Access-Requests accepted for handling (not duplicates, not dropped), by client.',
    ),
    accepts: perClient('accepts', 'Access-Accept answers sent, by client.'),
    rejects: perClient('rejects', 'Access-Reject answers sent, by client.'),
    challenges: perClient('challenges', 'Access-Challenge answers sent, by client.'),
    duplicates: perClient(
      'duplicates',
      'Retransmitted requests (same client, identifier, authenticator): no new call, same answer.',
    ),
    drops: new Counter({
      name: 'fyrkant_radius_drops_total',
      help: 'Datagrams dropped without an answer, by reason and client (unknown = not a configured client).',
      labelNames: ['reason', 'client'] as const,
      registers,
    }),
    pending: new Gauge({
      name: 'fyrkant_radius_pending_requests',
      help: 'Access-Requests waiting for their answer (a call in progress).',
      registers,
    }),
  };
}
