/**
 * The production backend: drachtio-srf drives drachtio-server (SIP toward the PBX), drachtio-fsmrf
 * drives FreeSWITCH (prompts, DTMF). Implements the telephony port exactly like the embedded backend,
 * so the IVR layer cannot tell them apart.
 */
import type { Availability, BackendHealth, Call, DialHooks, DialRequest, TelephonyBackend } from '../port';
import { DialFailure } from '../port';
import type { DrachtioCall } from './call';
import { dialThirdParty } from './dial';
import { DrachtioLink, type DrachtioLinkState } from './drachtio-link';
import { FreeswitchLink } from './freeswitch-link';
import { ResourceLedger } from './ledger';
import type { DrachtioBackendOptions } from './options';
import { PromptStager } from './prompt-path';
import { safeSink } from './sip-trace';

export interface DrachtioResources {
  /** FreeSWITCH endpoints we created and have not seen destroyed. */
  readonly endpoints: number;
  /** SIP dialogs toward the PBX still up. */
  readonly dialogs: number;
  readonly calls: number;
}

export interface DrachtioBackend extends TelephonyBackend {
  readonly name: 'drachtio';
  /** Leak accounting: all zero when no call is up. */
  resources(): DrachtioResources;
}

const DEFAULT_START_TIMEOUT_MS = 15_000;

function drachtioDownReason(d: DrachtioLinkState): string {
  if (d.name === 'rejected') return d.reason;
  if (d.name === 'connecting') return d.lastError ?? 'connecting';
  return d.name;
}
const PROBE_TIMEOUT_MS = 5_000;

export function createDrachtioBackend(
  options: DrachtioBackendOptions,
  startOptions: { readonly startTimeoutMs?: number } = {},
): DrachtioBackend {
  const log = options.log ?? (() => undefined);
  const ledger = new ResourceLedger();
  const calls = new Set<DrachtioCall>();
  const prompts = new PromptStager(options.media.promptDirLocal, options.media.promptDirRemote);
  let drachtio: DrachtioLink | undefined;
  let freeswitch: FreeswitchLink | undefined;
  let lastTrunk: BackendHealth['trunk'] = 'unknown';
  let availabilityNow: Availability = 'accepting';

  async function probeTrunk(link: DrachtioLink): Promise<BackendHealth['trunk']> {
    const uri = options.trunk.probeUri;
    if (!uri || !link.connected) return 'unknown';
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve('unreachable'), PROBE_TIMEOUT_MS);
      const done = (r: BackendHealth['trunk']) => {
        clearTimeout(t);
        resolve(r);
      };
      try {
        // Callback form on purpose: see the declaration of `Srf#request`.
        link.srf.request(
          uri,
          { method: 'OPTIONS', ...(options.trunk.proxy ? { proxy: options.trunk.proxy } : {}) },
          (err, req) => {
            if (err) return done('unreachable');
            req.on('response', (res) => {
              // Any answer means something SIP is there; 408/503 are what the stack makes up on silence.
              done(res.status !== 408 && res.status !== 503 ? 'reachable' : 'unreachable');
            });
          },
        );
      } catch {
        done('unreachable');
      }
    });
  }

  const backend: DrachtioBackend = {
    name: 'drachtio',

    async start() {
      if (drachtio) throw new Error('the drachtio backend is already started');
      drachtio = new DrachtioLink(options.drachtio, log);
      freeswitch = new FreeswitchLink(drachtio.srf, options.freeswitch, log);
      drachtio.connect();
      freeswitch.connect();
      const timeout = startOptions.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
      try {
        await Promise.all([drachtio.whenConnected(timeout), freeswitch.whenConnected(timeout)]);
      } catch (err) {
        await backend.stop();
        throw err;
      }
    },

    async stop() {
      await Promise.all([...calls].map((c) => c.hangup('fyrkant is stopping')));
      freeswitch?.stop();
      drachtio?.stop();
      freeswitch = undefined;
      drachtio = undefined;
    },

    async health(opts) {
      const d = drachtio?.state ?? { name: 'idle' };
      const ms = freeswitch?.mediaServer;
      if (opts?.probe && drachtio) lastTrunk = await probeTrunk(drachtio);
      const fsText = ms ? 'up' : `down (${freeswitch?.downReason ?? 'not started'})`;
      const drText = d.name === 'connected' ? `up (${d.hostport})` : `down (${drachtioDownReason(d)})`;
      const r = backend.resources();
      return {
        backend: 'drachtio',
        connected: d.name === 'connected' && !!ms,
        trunk: lastTrunk,
        activeCalls: calls.size,
        detail: `drachtio-server: ${drText}; FreeSWITCH: ${fsText}; endpoints ${r.endpoints}, dialogs ${r.dialogs}`,
        checkedAt: Date.now(),
      };
    },

    async dial(request: DialRequest, signal?: AbortSignal, hooks?: DialHooks): Promise<Call> {
      const ms = freeswitch?.mediaServer;
      if (!drachtio?.connected || !ms) {
        // Fail fast, say which server is missing, and leave it in the log and the attempt's trace.
        const cause = !drachtio?.connected
          ? `drachtio-server is down (${drachtioDownReason(drachtio?.state ?? { name: 'idle' })})`
          : `FreeSWITCH is down (${freeswitch?.downReason ?? 'not started'})`;
        log('error', `cannot dial: ${cause}`, { attemptId: request.attemptId });
        safeSink(request.trace)({ kind: 'note', at: Date.now(), level: 'error', message: `not dialled: ${cause}` });
        throw new DialFailure('unavailable', cause);
      }
      return dialThirdParty(
        {
          srf: drachtio.srf,
          ms,
          options,
          ledger,
          prompts,
          onCall: (call) => {
            calls.add(call);
            call.once('end', () => calls.delete(call));
          },
        },
        request,
        signal,
        hooks,
      );
    },

    /**
     * A documented no-op on SIP. This backend registers no handler for requests from outside (it
     * only places calls), so what drachtio-server answers to an OPTIONS or INVITE it receives is
     * drachtio-server's own doing and configuration; fyrkant does not change it while draining.
     * Not verified against a running drachtio-server (none in the test bed): a SIP dispatcher in
     * front of drachtio nodes must not rely on a 503 from a draining node — take it out by hand,
     * or by its HTTP `/readyz`. Logged once so the operator knows.
     */
    setAvailability(availability: Availability) {
      if (availability === availabilityNow) return;
      availabilityNow = availability;
      if (availability === 'draining')
        log('info', 'draining: drachtio-server keeps answering SIP OPTIONS as configured (fyrkant cannot change it)');
    },

    resources() {
      return { endpoints: ledger.count('endpoint'), dialogs: ledger.count('dialog'), calls: calls.size };
    },
  };
  return backend;
}
