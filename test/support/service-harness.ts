/**
 * A verification service on a real SQLite file in a temp dir, with the scripted fake telephony port,
 * the simple script runner and a planner whose policy tests can steer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createMetrics, type Metrics } from '../../src/observability/metrics';
import type { NodeCalls } from '../../src/services/nodes/node-service';
import { AttemptBus } from '../../src/services/verification/attempt-bus';
import type { CallOwnership } from '../../src/services/verification/call-ownership';
import type {
  CallPlan,
  CallPlanner,
  CallTarget,
  DestinationCheck,
  ScriptRunner,
} from '../../src/services/verification/ports';
import { VerificationService } from '../../src/services/verification/service';
import { DEFAULT_VERIFICATION_SETTINGS, type VerificationSettings } from '../../src/services/verification/settings';
import { type Attempt, getAttempt, openStore, type Store } from '../../src/store';
import { FakeTelephony, type FakeTelephonyOptions } from './fake-telephony';
import { simpleScriptRunner } from './simple-script-runner';

/** Denies numbers starting with any `deniedPrefixes`; rate-limits after `perUserLimit` calls per user. */
export class TestPlanner implements CallPlanner {
  deniedPrefixes: string[] = ['+46900', '+46939', '+46944'];
  perUserLimit = Number.POSITIVE_INFINITY;
  readonly counts = new Map<string, number>();
  readonly plans: CallTarget[] = [];

  readonly released: string[] = [];

  check(target: CallTarget): DestinationCheck {
    if (this.deniedPrefixes.some((p) => target.e164.startsWith(p)))
      return {
        allowed: false,
        reasonCode: 'blocked-number-type:premium-rate',
        message: { sv: 'Betalnummer får inte ringas.', en: 'Premium-rate numbers may not be called.' },
      };
    return { allowed: true };
  }

  release(decisionId: string): void {
    this.released.push(decisionId);
  }

  plan(target: CallTarget): CallPlan {
    this.plans.push(target);
    const c = this.check(target);
    if (!c.allowed) return { ...c, kind: 'policy' };
    const n = (this.counts.get(target.userId ?? '') ?? 0) + 1;
    if (n > this.perUserLimit)
      return {
        allowed: false,
        kind: 'rate-limit',
        reasonCode: 'rate-limit:per-user',
        message: { sv: 'För många samtal.', en: 'Too many calls.' },
        retryAfterMs: 60_000,
      };
    this.counts.set(target.userId ?? '', n);
    return {
      allowed: true,
      decisionId: `decision-${this.plans.length}`,
      requestUri: `sip:${target.e164}@pbx.test`,
      postAnswerDigits: target.extension ?? '',
    };
  }
}

/** Cheap scrypt for tests (the format and code path are the same; only the cost differs). */
export const TEST_SCRYPT = { logN: 11, r: 8, p: 1 } as const;

export interface Harness {
  readonly dir: string;
  readonly dbPath: string;
  readonly store: Store;
  readonly backend: FakeTelephony;
  readonly planner: TestPlanner;
  readonly scripts: ReturnType<typeof simpleScriptRunner>;
  readonly bus: AttemptBus;
  readonly metrics: Metrics;
  readonly service: VerificationService;
  /** Resolves when the attempt has ended (polls the database). */
  ended(attemptId: string, timeoutMs?: number): Promise<Attempt>;
  close(): Promise<void>;
}

export function createHarness(
  options: {
    settings?: Partial<VerificationSettings>;
    telephony?: FakeTelephonyOptions;
    dir?: string;
    /** Replaces the steerable test planner (e.g. the real policy adapter). */
    planner?: CallPlanner;
    /** Replaces the simple script runner (e.g. the real IVR interpreter). */
    scripts?: ScriptRunner;
    /** The node that owns the calls (issue 19); built once the store is open. */
    ownership?: (store: Store) => CallOwnership;
  } = {},
): Harness {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'fyrkant-svc-'));
  const dbPath = join(dir, 'fyrkant.db');
  const store = openStore({ path: dbPath });
  const backend = new FakeTelephony(options.telephony);
  const planner = new TestPlanner();
  const scripts = simpleScriptRunner();
  const bus = new AttemptBus();
  const metrics = createMetrics();
  const settings: VerificationSettings = {
    ...DEFAULT_VERIFICATION_SETTINGS,
    ringTimeoutMs: 300,
    maxCallMs: 5000,
    scrypt: TEST_SCRYPT,
    ...options.settings,
  };
  const service = new VerificationService({
    store,
    backend,
    planner: options.planner ?? planner,
    scripts: options.scripts ?? scripts,
    bus,
    metrics,
    log: pino({ level: 'silent' }),
    settings,
    ...(options.ownership ? { ownership: options.ownership(store) } : {}),
  });
  return {
    dir,
    dbPath,
    store,
    backend,
    planner,
    scripts,
    bus,
    metrics,
    service,
    async ended(attemptId, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const a = getAttempt(store.db, attemptId);
        if (a?.state === 'ended') return a;
        if (Date.now() > until) throw new Error(`attempt ${attemptId} did not end (state ${a?.state})`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await service.shutdown(1000);
      store.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The verification service as the node sees it, reached lazily (it is built after the node). */
export function callsOf(get: () => Harness): NodeCalls {
  return {
    get activeCount() {
      return get().service.activeCount;
    },
    whenIdle: () => get().service.whenIdle(),
    endInterrupted: (id, reason) => get().service.endInterrupted(id, reason),
    shutdown: (ms, reason) => get().service.shutdown(ms, reason),
  };
}
