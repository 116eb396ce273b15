/**
 * The scheduled jobs fyrkant runs: retries (calls and webhooks), expiry of enrollment links,
 * bypasses and unclaimed app passwords, the trunk health probe (SIP OPTIONS through the backend),
 * and the trace retention purge.
 */
import type { Metrics } from '../observability/metrics';
import type { VerificationService } from '../services/verification/service';
import type { WebhookDeliverer } from '../services/webhooks/deliverer';
import {
  deleteExpiredBypasses,
  deleteExpiredEnrollmentLinks,
  deleteExpiredOneTimeSecrets,
  purgeAttemptEvents,
  type Store,
} from '../store';
import type { TelephonyBackend } from '../telephony/port';
import type { Job } from './scheduler';

export interface JobSettings {
  readonly retrySchedule: string;
  readonly expirySchedule: string;
  readonly trunkHealthSchedule: string;
  readonly retentionSchedule: string;
  /** Trace events of attempts that ended longer ago than this are deleted (the attempts stay). */
  readonly traceRetentionDays: number;
  /** What to change when the trunk does not answer (said once in the log), e.g. the setting to set. */
  readonly trunkAdvice?: string;
}

export const DEFAULT_JOB_SETTINGS: JobSettings = {
  retrySchedule: '*/10 * * * * *',
  expirySchedule: '0 * * * * *',
  trunkHealthSchedule: '30 * * * * *',
  retentionSchedule: '0 17 3 * * *',
  traceRetentionDays: 30,
};

export interface JobDeps {
  readonly store: Store;
  readonly verification: VerificationService;
  readonly webhooks: WebhookDeliverer;
  readonly backend: TelephonyBackend;
  readonly metrics: Metrics;
}

export function standardJobs(deps: JobDeps, settings: JobSettings = DEFAULT_JOB_SETTINGS): Job[] {
  return [
    {
      name: 'retry-queue',
      schedule: settings.retrySchedule,
      run: async () => {
        const calls = await deps.verification.processDueRetries();
        const hooks = await deps.webhooks.deliverDue();
        return {
          detail: `placed ${calls} call retries, tried ${hooks} webhook deliveries`,
          didWork: calls + hooks > 0,
        };
      },
    },
    {
      name: 'expire',
      schedule: settings.expirySchedule,
      run: () => {
        const links = deleteExpiredEnrollmentLinks(deps.store.db);
        const bypasses = deleteExpiredBypasses(deps.store.db);
        // App passwords never picked up (the sealed copies; every node's pickup also sweeps them).
        const unclaimed = deleteExpiredOneTimeSecrets(deps.store.db);
        return {
          detail: `expired ${links} enrollment links, ${bypasses} bypasses and ${unclaimed} unclaimed app passwords`,
          didWork: links + bypasses + unclaimed > 0,
        };
      },
    },
    {
      name: 'trunk-health',
      schedule: settings.trunkHealthSchedule,
      run: async () => {
        const h = await deps.backend.health({ probe: true });
        deps.metrics.trunkReachable.set(h.trunk === 'reachable' ? 1 : 0);
        const line = `backend ${h.backend} ${h.connected ? 'connected' : 'disconnected'}, trunk ${h.trunk}${h.detail ? ` (${h.detail})` : ''}`;
        // An unreachable trunk is the job's finding, not its failure — but it should show as not ok.
        // The scheduler logs a failure once (repeats at debug), so the advice is read, not scrolled past.
        if (h.trunk === 'unreachable' || !h.connected)
          throw new Error(settings.trunkAdvice && h.connected ? `${line}: ${settings.trunkAdvice}` : line);
        return { detail: line, didWork: false };
      },
    },
    {
      name: 'retention',
      schedule: settings.retentionSchedule,
      run: () => {
        const before = Date.now() - settings.traceRetentionDays * 86_400_000;
        const purged = purgeAttemptEvents(deps.store.db, before);
        return {
          detail: `purged ${purged} trace events older than ${settings.traceRetentionDays} days`,
          didWork: purged > 0,
        };
      },
    },
  ];
}
