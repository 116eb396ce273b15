/**
 * The control connection to drachtio-server. drachtio-srf reconnects by itself with a growing delay
 * (150 ms ×1.7, capped by `retryMaxDelay`); this class only keeps the state for health and turns the
 * `connect` event into a promise. Quirks handled here (drachtio-srf 5.x): `connect()` returns the app,
 * not a Promise; `port` must always be passed; an `error` event without a listener would crash the
 * process; a retry already scheduled when we disconnect still connects, so we drop it again.
 */
import Srf from 'drachtio-srf';
import type { DrachtioBackendOptions } from './options';

export type DrachtioLinkState =
  | { readonly name: 'idle' }
  | { readonly name: 'connecting'; readonly attempt: number; readonly lastError?: string }
  | { readonly name: 'connected'; readonly hostport: string; readonly serverVersion?: string }
  | { readonly name: 'rejected'; readonly reason: string }
  | { readonly name: 'stopped' };

export class DrachtioLink {
  readonly srf = new Srf();
  private current: DrachtioLinkState = { name: 'idle' };
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly options: DrachtioBackendOptions['drachtio'],
    private readonly log: NonNullable<DrachtioBackendOptions['log']>,
  ) {
    this.srf.on('connect', (err, hostport, serverVersion) => {
      if (this.current.name === 'stopped') {
        this.safeDisconnect();
        return;
      }
      if (err) {
        // Wrong secret: drachtio-srf does not retry, and retrying would not help.
        this.set({ name: 'rejected', reason: `drachtio-server refused us: ${err.message}` });
        this.log('error', 'drachtio-server rejected the secret', { host: options.host, port: options.port });
        return;
      }
      this.set({ name: 'connected', hostport, ...(serverVersion ? { serverVersion } : {}) });
      this.log('info', 'connected to drachtio-server', { hostport, serverVersion });
    });
    this.srf.on('reconnecting', ({ attempt, delay }) => {
      if (this.current.name === 'stopped') return;
      const lastError = this.current.name === 'connecting' ? this.current.lastError : undefined;
      this.set({ name: 'connecting', attempt, ...(lastError ? { lastError } : {}) });
      this.log('warn', 'reconnecting to drachtio-server', { attempt, delayMs: delay });
    });
    this.srf.on('error', (err) => {
      if (this.current.name === 'stopped') return;
      const attempt = this.current.name === 'connecting' ? this.current.attempt : 1;
      this.set({ name: 'connecting', attempt, lastError: err.message });
    });
    this.srf.on('close', () => {
      if (this.current.name === 'connected')
        this.set({ name: 'connecting', attempt: 1, lastError: 'connection closed' });
    });
  }

  get state(): DrachtioLinkState {
    return this.current;
  }

  get connected(): boolean {
    return this.current.name === 'connected';
  }

  private set(state: DrachtioLinkState): void {
    this.current = state;
    for (const w of [...this.waiters]) w();
  }

  connect(): void {
    this.set({ name: 'connecting', attempt: 1 });
    this.srf.connect({
      host: this.options.host,
      port: this.options.port,
      secret: this.options.secret,
      reconnect: { retryMaxDelay: this.options.maxReconnectDelayMs ?? 10_000 },
      enablePing: true,
      pingInterval: 15_000,
    });
  }

  /** Resolves when connected; rejects when refused, stopped, or after `timeoutMs`. */
  whenConnected(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const s = this.current;
        if (s.name === 'connected') done(undefined);
        else if (s.name === 'rejected') done(new Error(s.reason));
        else if (s.name === 'stopped') done(new Error('stopped'));
      };
      const timer = setTimeout(() => {
        const s = this.current;
        const why = s.name === 'connecting' && s.lastError ? ` (${s.lastError})` : '';
        done(
          new Error(
            `no connection to drachtio-server at ${this.options.host}:${this.options.port} after ${timeoutMs} ms${why}`,
          ),
        );
      }, timeoutMs);
      const done = (err: Error | undefined) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  stop(): void {
    this.set({ name: 'stopped' });
    this.safeDisconnect();
  }

  private safeDisconnect(): void {
    try {
      this.srf.disconnect();
    } catch {
      // Not connected (drachtio-srf throws 'socket is not connected'); its retry is stopped anyway.
    }
  }
}
