/**
 * This node in the node registry (issue 19): registers at start, beats every few seconds (freshness,
 * call count, lease renewal, drain requests from the database), owns the calls it places, ends the
 * calls of nodes whose lease ran out, and drains on request: no new calls, the running ones finish,
 * then the process may exit. Everything other nodes or the CLI need to see is in the database.
 */
import type { Logger } from 'pino';
import {
  beatNode,
  claimOrphan,
  confirmAttemptLease,
  extendAttemptLeases,
  getNode,
  markNodeStopped,
  orphanedAttempts,
  ownAttempt,
  ownedUnfinishedAttempts,
  registerNode,
  releaseNodeSlots,
  type Store,
  setNodeAddresses,
} from '../../store';
import type { NodeRow } from '../../store/schema';
import type { CallOwnership, CallRefusal } from '../verification/call-ownership';
import { DRAINING_MESSAGE, NodeIdInUseError } from './messages';

export type NodeState = 'starting' | 'running' | 'draining' | 'stopped';

/** What the node needs of the calls it runs (the verification service). */
export interface NodeCalls {
  readonly activeCount: number;
  whenIdle(): Promise<void>;
  endInterrupted(attemptId: string, reasonCode: string): Promise<void>;
  shutdown(timeoutMs: number, reason: 'drain-deadline' | 'shutdown'): Promise<void>;
}

export interface NodeSettings {
  readonly id: string;
  readonly heartbeatMs: number;
  readonly leaseMs: number;
  /** After this long a drain hangs up what is left. */
  readonly drainMs: number;
}

export interface NodeIdentity {
  readonly hostname: string;
  readonly pid: number;
  readonly version: string;
  readonly sipAddress: string | null;
}

export interface NodeServiceDeps {
  readonly store: Store;
  readonly log: Logger;
  readonly calls: NodeCalls;
  readonly settings: NodeSettings;
  readonly identity: NodeIdentity;
  /** Injected for tests (lease expiry under a fake clock). */
  readonly now?: () => number;
  /** Is a process with this pid alive on this host? (A second `serve` under the same node id.) */
  readonly processAlive?: (pid: number) => boolean;
  /**
   * Told once when a drain begins, before the node waits for its calls: the app layer tells the
   * telephony backend, whose SIP stack then refuses new work too (a dispatcher in front moves on).
   */
  readonly onDraining?: (retryAfterMs: number) => void;
}

/** How long a refused caller should wait before trying this node again (HTTP and SIP Retry-After). */
export const DRAIN_RETRY_AFTER_MS = 10_000;

/** Why a drain began: a signal, or a request in the database (`fyrkant node drain`, the admin). */
export type DrainSource =
  | { readonly kind: 'signal'; readonly signal: string }
  | { readonly kind: 'request'; readonly by: string };

export type DrainResult = 'drained' | 'deadline';

export class NodeService implements CallOwnership {
  private stateNow: NodeState = 'starting';
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<DrainResult> | undefined;
  private beating = false;
  private readonly drainListeners: ((source: DrainSource) => void)[] = [];
  readonly id: string;

  constructor(private readonly deps: NodeServiceDeps) {
    this.id = deps.settings.id;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  get state(): NodeState {
    return this.stateNow;
  }

  /** Registers the node, ends what its previous run (or dead nodes) left unfinished, starts taking calls. */
  async start(): Promise<void> {
    const { store, identity } = this.deps;
    const at = this.now();
    this.refuseDuplicate(getNode(store.db, this.id), at);
    registerNode(
      store.db,
      {
        id: this.id,
        hostname: identity.hostname,
        pid: identity.pid,
        version: identity.version,
        httpUrl: null,
        sipAddress: identity.sipAddress,
      },
      at,
    );
    // Call slots of the shared rate limits a previous run left (it crashed mid-call) are not in use.
    releaseNodeSlots(store.db, this.id);
    const ended = await this.recover(at, true);
    if (ended > 0)
      this.deps.log.warn(
        { count: ended, node: this.id },
        'ended attempts left unfinished by a previous run as interrupted',
      );
    this.stateNow = 'running';
    this.deps.log.info({ node: this.id }, 'node registered');
  }

  /** Beats every `heartbeatMs` (unref: the timer never keeps the process alive). */
  startHeartbeat(): void {
    this.timer ??= setInterval(() => void this.beat(), this.deps.settings.heartbeatMs);
    this.timer.unref();
  }

  setHttpUrl(url: string): void {
    setNodeAddresses(this.deps.store.db, this.id, { httpUrl: url });
  }

  /**
   * One heartbeat: renew this node's leases and row, notice a drain request, and end the attempts
   * of nodes whose lease ran out (a survivor's duty). Never throws: a failed beat is logged and the
   * next one tries again (a node that cannot beat loses its leases — by design).
   */
  async beat(): Promise<void> {
    if (this.beating || this.stateNow === 'stopped' || this.stateNow === 'starting') return;
    // (narrowed for the row: a beat only runs while running or draining)
    this.beating = true;
    try {
      const { store, calls, settings } = this.deps;
      const at = this.now();
      const state = this.stateNow;
      const row = store.db.transaction(() => {
        extendAttemptLeases(store.db, this.id, at + settings.leaseMs);
        return beatNode(store.db, this.id, { at, activeCalls: calls.activeCount, state });
      });
      if (row?.drainRequestedAt != null && this.stateNow === 'running')
        this.requestDrain({ kind: 'request', by: row.drainRequestedBy ?? 'unknown' });
      const ended = await this.recover(at, false);
      if (ended > 0)
        this.deps.log.warn({ count: ended, node: this.id }, 'ended attempts of a node whose lease ran out');
    } catch (err) {
      this.deps.log.error({ err, node: this.id }, 'node heartbeat failed');
    } finally {
      this.beating = false;
    }
  }

  /** Called when a drain begins for any reason (serve then waits for `drain()` and exits). */
  onDrain(listener: (source: DrainSource) => void): void {
    this.drainListeners.push(listener);
  }

  private requestDrain(source: DrainSource): void {
    for (const l of this.drainListeners) l(source);
    if (this.drainListeners.length === 0) void this.drain(source);
  }

  /**
   * Stops taking calls, lets the running ones finish, hangs up what is left at the deadline.
   * Idempotent: a second call returns the same promise.
   */
  drain(source: DrainSource): Promise<DrainResult> {
    this.draining ??= this.runDrain(source);
    return this.draining;
  }

  /** Calls waiting or in progress on this node. */
  get activeCalls(): number {
    return this.deps.calls.activeCount;
  }

  get isDraining(): boolean {
    return this.draining !== undefined;
  }

  private async runDrain(source: DrainSource): Promise<DrainResult> {
    const { store, calls, settings, log } = this.deps;
    this.stateNow = 'draining';
    this.tellDraining();
    beatNode(store.db, this.id, { at: this.now(), activeCalls: calls.activeCount, state: 'draining' });
    log.info(
      { node: this.id, source, calls: calls.activeCount, deadlineSeconds: settings.drainMs / 1000 },
      'draining: no new calls; waiting for the running ones',
    );
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'deadline'>((resolve) => {
      deadline = setTimeout(() => resolve('deadline'), settings.drainMs);
      // Never what keeps the process alive (a second signal may have stopped everything already).
      deadline.unref();
    });
    const result = await Promise.race([calls.whenIdle().then(() => 'drained' as const), timedOut]);
    clearTimeout(deadline);
    if (result === 'deadline' && this.state !== 'stopped') {
      log.warn(
        { node: this.id, calls: calls.activeCount },
        'drain deadline reached: hanging up the calls left (reason drain-deadline)',
      );
      await calls.shutdown(5000, 'drain-deadline');
    } else log.info({ node: this.id }, 'drained: no calls left');
    return result;
  }

  private tellDraining(): void {
    try {
      this.deps.onDraining?.(DRAIN_RETRY_AFTER_MS);
    } catch (err) {
      // The drain goes on: HTTP and /readyz refuse new calls whatever the backend could do.
      this.deps.log.error({ err, node: this.id }, 'could not tell the telephony backend that the node drains');
    }
  }

  /** Clean stop: the row says stopped (the heartbeat ends). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.stateNow === 'stopped') return;
    this.stateNow = 'stopped';
    try {
      markNodeStopped(this.deps.store.db, this.id, this.now());
    } catch (err) {
      this.deps.log.error({ err, node: this.id }, 'could not mark the node stopped');
    }
  }

  // --- CallOwnership (the verification service asks these) ---

  refusal(): CallRefusal | undefined {
    if (this.stateNow === 'running') return undefined;
    return { reasonCode: 'node-draining', message: DRAINING_MESSAGE, retryAfterMs: DRAIN_RETRY_AFTER_MS };
  }

  own(attemptId: string): void {
    ownAttempt(this.deps.store.db, attemptId, this.id, this.now() + this.deps.settings.leaseMs);
  }

  confirm(attemptId: string): boolean {
    return confirmAttemptLease(this.deps.store.db, attemptId, this.id, this.now() + this.deps.settings.leaseMs);
  }

  ownedUnfinished(): readonly string[] {
    return ownedUnfinishedAttempts(this.deps.store.db, this.id);
  }

  // --- recovery ---

  /**
   * Ends orphaned attempts as interrupted: each is claimed first with a conditional update (exactly
   * one node wins), then ended through the verification service (retry policy, webhooks).
   */
  private async recover(at: number, atStart: boolean): Promise<number> {
    const { store, calls, settings } = this.deps;
    let ended = 0;
    for (const seen of orphanedAttempts(store.db, { at, self: this.id, atStart })) {
      if (!claimOrphan(store.db, seen, this.id, at + settings.leaseMs)) continue;
      const reason = seen.ownerNode === null || seen.ownerNode === this.id ? 'process-restart' : 'node-lost';
      await calls.endInterrupted(seen.id, reason);
      ended++;
    }
    return ended;
  }

  /** A live process on this host already runs under this node id: two nodes must not share one. */
  private refuseDuplicate(prev: NodeRow | undefined, at: number): void {
    if (!prev || prev.state === 'stopped' || prev.pid === this.deps.identity.pid) return;
    if (prev.heartbeatAt < at - this.deps.settings.leaseMs) return;
    if (prev.hostname !== this.deps.identity.hostname) return;
    const alive = (this.deps.processAlive ?? pidAlive)(prev.pid);
    if (alive) throw new NodeIdInUseError(this.id, prev.pid);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
