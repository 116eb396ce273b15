/**
 * Prometheus metrics. One registry per app instance (not prom-client's global one), so tests can run
 * several servers in one process without "metric already registered".
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly attempts: Counter<'purpose' | 'outcome'>;
  readonly activeCalls: Gauge;
  readonly queueLength: Gauge;
  readonly callSetupSeconds: Histogram;
  readonly timeToDtmfSeconds: Histogram;
  readonly dtmfDigits: Counter<'source'>;
  readonly policyDenials: Counter<'reason'>;
  readonly webhookFailures: Counter;
  readonly webhookDeliveries: Counter<'result'>;
  readonly jobRuns: Counter<'job' | 'result'>;
  readonly jobLastSuccess: Gauge<'job'>;
  readonly trunkReachable: Gauge;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'fyrkant_' });
  const registers = [registry];
  return {
    registry,
    attempts: new Counter({
      name: 'fyrkant_attempts_total',
      help: 'Verification attempts that ended, by purpose and outcome.',
      labelNames: ['purpose', 'outcome'] as const,
      registers,
    }),
    activeCalls: new Gauge({ name: 'fyrkant_active_calls', help: 'Calls in progress.', registers }),
    queueLength: new Gauge({ name: 'fyrkant_queue_length', help: 'Attempts waiting for a free call slot.', registers }),
    callSetupSeconds: new Histogram({
      name: 'fyrkant_call_setup_seconds',
      help: 'Time from sending the INVITE to the answer.',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60],
      registers,
    }),
    timeToDtmfSeconds: new Histogram({
      name: 'fyrkant_time_to_dtmf_seconds',
      help: 'Time from answer to the first DTMF digit.',
      buckets: [0.5, 1, 2, 4, 8, 15, 30, 60],
      registers,
    }),
    dtmfDigits: new Counter({
      name: 'fyrkant_dtmf_digits_total',
      help: 'DTMF digits received, by source (rfc4733, info, inband).',
      labelNames: ['source'] as const,
      registers,
    }),
    policyDenials: new Counter({
      name: 'fyrkant_policy_denials_total',
      help: 'Attempts refused by the destination policy or rate limits, by reason code.',
      labelNames: ['reason'] as const,
      registers,
    }),
    webhookFailures: new Counter({
      name: 'fyrkant_webhook_failures_total',
      help: 'Webhook delivery tries that failed.',
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'fyrkant_webhook_deliveries_total',
      help: 'Webhook delivery tries by result.',
      labelNames: ['result'] as const,
      registers,
    }),
    jobRuns: new Counter({
      name: 'fyrkant_job_runs_total',
      help: 'Scheduled job runs by job and result.',
      labelNames: ['job', 'result'] as const,
      registers,
    }),
    jobLastSuccess: new Gauge({
      name: 'fyrkant_job_last_success_timestamp_seconds',
      help: 'When each scheduled job last finished without error.',
      labelNames: ['job'] as const,
      registers,
    }),
    trunkReachable: new Gauge({
      name: 'fyrkant_trunk_reachable',
      help: '1 if the last trunk health check reached the trunk, 0 if not.',
      registers,
    }),
  };
}
