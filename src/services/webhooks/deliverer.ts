/**
 * Delivers queued webhooks: POST the JSON body signed with the key's secret, 2xx = delivered,
 * anything else (status, timeout, refused) = retried with backoff until the tries run out; every
 * try's status/error is kept on the row so admins can see what happened.
 */
import type { Logger } from 'pino';
import { type BackoffPolicy, backoffDelay } from '../../domain/retry/backoff';
import { SIGNATURE_HEADER, signWebhook } from '../../domain/webhooks/signature';
import type { Metrics } from '../../observability/metrics';
import { dueWebhookDeliveries, getApiKey, recordWebhookTry, type Store } from '../../store';

export interface WebhookSettings {
  readonly timeoutMs: number;
  readonly backoff: BackoffPolicy;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  timeoutMs: 5000,
  backoff: { initialMs: 10_000, factor: 3, maxMs: 3_600_000, maxTries: 8 },
};

export class WebhookDeliverer {
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly settings: WebhookSettings = DEFAULT_WEBHOOK_SETTINGS,
  ) {}

  /** Sends everything due; concurrent calls share one run. Returns how many were tried. */
  deliverDue(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    const due = dueWebhookDeliveries(this.store.db);
    await Promise.all(due.map((d) => this.deliverOne(d.id, d.apiKeyId, d.url, d.payload, d.tries)));
    return due.length;
  }

  private async deliverOne(
    id: string,
    apiKeyId: string,
    url: string,
    payload: string,
    triesSoFar: number,
  ): Promise<void> {
    const key = getApiKey(this.store.db, apiKeyId);
    const at = Date.now();
    let httpStatus: number | null = null;
    let error: string | undefined;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'fyrkant-webhook/1',
          'fyrkant-delivery': id,
          [SIGNATURE_HEADER]: signWebhook(key?.webhookSecret ?? '', payload, Math.floor(at / 1000)),
        },
        body: payload,
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        redirect: 'manual',
      });
      httpStatus = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    if (!error && httpStatus !== null) {
      recordWebhookTry(this.store.db, id, { ok: true, httpStatus, at: Date.now() });
      this.metrics.webhookDeliveries.inc({ result: 'delivered' });
      return;
    }
    const delay = backoffDelay(this.settings.backoff, triesSoFar + 2, Math.random);
    recordWebhookTry(this.store.db, id, {
      ok: false,
      httpStatus,
      error: error ?? 'unknown error',
      nextTryAt: delay === undefined ? null : Date.now() + delay,
      at: Date.now(),
    });
    this.metrics.webhookFailures.inc();
    this.metrics.webhookDeliveries.inc({ result: delay === undefined ? 'gave-up' : 'retry' });
    this.log.warn(
      { deliveryId: id, url, httpStatus, error, willRetry: delay !== undefined },
      'webhook delivery failed',
    );
  }
}
