/**
 * Dialling: a FreeSWITCH endpoint is created with a plain offer, the PBX gets our G.711 offer pointing
 * at FreeSWITCH's media (media-setup.ts says why not FreeSWITCH's own 3pcc offer), drachtio-srf sends
 * it with `createUAC`, and the PBX's answer (or 183 early media) goes to FreeSWITCH with `modify`.
 * Nothing is left behind on failure: the endpoint is destroyed, a racing 200 after our CANCEL is
 * BYEd.
 */

import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import { DialFailure, type DialHooks, type DialRequest, type DtmfSource, type Progress, type TraceSink } from '../port';
import { DrachtioCall } from './call';
import { type CancelCause, toDialFailure } from './failure';
import type { ResourceLedger } from './ledger';
import { prepareMedia } from './media-setup';
import type { DrachtioBackendOptions } from './options';
import type { PromptStager } from './prompt-path';
import { hasTelephoneEvent } from './sdp';
import { safeSink, sipTraceEvent } from './sip-trace';

export interface DialDeps {
  readonly srf: Srf;
  readonly ms: Mrf.MediaServer;
  readonly options: DrachtioBackendOptions;
  readonly ledger: ResourceLedger;
  readonly prompts: PromptStager;
  readonly onCall: (call: DrachtioCall) => void;
}

const TEARDOWN_TIMEOUT_MS = 5000;

function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    p.then(
      () => resolve(),
      () => resolve(),
    ).finally(() => clearTimeout(t));
  });
}

function quoteDisplayName(name: string): string {
  return `"${name.replace(/["\\\r\n]/g, '')}"`;
}

/** The INVITE's headers: trunk defaults, then the request's own; From from the trunk identity. */
function inviteHeaders(options: DrachtioBackendOptions, request: DialRequest): Record<string, string> {
  const headers: Record<string, string> = { ...(options.trunk.headers ?? {}), ...(request.headers ?? {}) };
  const from = options.trunk.from;
  if (from) {
    const user = request.callerId?.user ?? from.user;
    const display = request.callerId?.displayName ?? from.displayName;
    headers.From = `${display ? `${quoteDisplayName(display)} ` : ''}<sip:${user}@${from.host}>`;
  }
  return headers;
}

function progressOf(res: Srf.SrfResponse, at: number): Progress {
  const withSdp = !!res.body && /application\/sdp/i.test(res.get('Content-Type') ?? '');
  if (res.status === 100) return { kind: 'trying', at };
  if (withSdp) return { kind: 'early-media', at, sipStatus: res.status };
  return { kind: 'ringing', at, sipStatus: res.status };
}

export async function dialThirdParty(
  deps: DialDeps,
  request: DialRequest,
  signal: AbortSignal | undefined,
  hooks: DialHooks | undefined,
): Promise<DrachtioCall> {
  const { srf, ms, options, ledger } = deps;
  const trace: TraceSink = safeSink(request.trace);
  const note = (level: 'info' | 'warn' | 'error', message: string) =>
    trace({ kind: 'note', at: Date.now(), level, message });

  if (!request.policyDecisionId) {
    throw new DialFailure('policy', 'refusing to dial without a destination policy decision');
  }
  if (signal?.aborted) throw new DialFailure('cancelled', 'aborted before dialling');

  // Cancellation (ring timeout, abort, losing the endpoint) may be requested at any point below.
  let cancelCause: CancelCause;
  let invite: Srf.SrfRequest | undefined;
  let ringTimer: NodeJS.Timeout | undefined;
  function sendCancel(req: Srf.SrfRequest): void {
    try {
      req.cancel({}, (err, cancel) => {
        if (err) note('warn', `CANCEL could not be sent: ${err.message}`);
        else trace(sipTraceEvent(cancel, 'out'));
      });
    } catch (err) {
      note('warn', `CANCEL could not be sent: ${(err as Error).message}`);
    }
  }
  function requestCancel(cause: Exclude<CancelCause, undefined>): void {
    if (cancelCause) return;
    cancelCause = cause;
    note('info', `cancelling the call: ${cause}`);
    if (invite) sendCancel(invite);
  }
  // 1. FreeSWITCH endpoint, and the offer toward the PBX.
  const media = await prepareMedia(ms, options);
  const { ep } = media;
  ledger.acquire('endpoint', ep.uuid);
  let endpointGone = false;
  const onEarlyEndpointLoss = () => {
    endpointGone = true;
    ledger.release('endpoint', ep.uuid);
    requestCancel('media-lost');
  };
  ep.once('destroy', onEarlyEndpointLoss);
  const releaseEndpoint = async () => {
    ep.off('destroy', onEarlyEndpointLoss);
    if (!endpointGone) await settleWithin(ep.destroy(), TEARDOWN_TIMEOUT_MS);
    ledger.release('endpoint', ep.uuid);
  };
  let offer: string;
  try {
    offer = media.offer();
  } catch (err) {
    await releaseEndpoint();
    throw err;
  }

  // 3. INVITE toward the PBX.
  const onAbort = () => requestCancel('abort');
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) requestCancel('abort');
  if (cancelCause) {
    signal?.removeEventListener('abort', onAbort);
    await releaseEndpoint();
    throw toDialFailure(new Error('cancelled before the INVITE was sent'), cancelCause);
  }

  // FreeSWITCH gets one SDP at a time, in order (183 early media, then the 200's answer).
  let modifyChain: Promise<void> = Promise.resolve();
  let appliedSdp: string | undefined;
  const giveFreeswitch = (pbxSdp: string): Promise<void> => {
    let sdp: string;
    try {
      sdp = media.forFreeswitch(pbxSdp);
    } catch (err) {
      return Promise.reject(err);
    }
    if (sdp === appliedSdp) return modifyChain;
    appliedSdp = sdp;
    modifyChain = modifyChain.then(() => ep.modify(sdp)).then(() => undefined);
    return modifyChain;
  };

  let uac: Srf.Dialog;
  try {
    uac = await srf.createUAC(
      request.requestUri,
      {
        localSdp: offer,
        headers: inviteHeaders(options, request),
        ...(options.trunk.proxy ? { proxy: options.trunk.proxy } : {}),
        ...(options.trunk.auth ? { auth: options.trunk.auth } : {}),
      },
      {
        cbRequest: (err, req) => {
          if (err) {
            note('error', `drachtio-server did not send the INVITE: ${err.message}`);
            return;
          }
          invite = req;
          trace(sipTraceEvent(req, 'out'));
          req.on('authenticate', (withCredentials) => {
            note('info', 'the PBX challenged the INVITE; sent again with credentials');
            trace(sipTraceEvent(withCredentials, 'out'));
          });
          ringTimer = setTimeout(() => requestCancel('ring-timeout'), request.ringTimeoutMs);
          if (cancelCause) sendCancel(req);
        },
        cbProvisional: (res) => {
          const at = Date.now();
          trace(sipTraceEvent(res, 'in'));
          const progress = progressOf(res, at);
          try {
            hooks?.onProgress?.(progress);
          } catch {
            // A caller's progress hook must not break the call.
          }
          if (progress.kind === 'early-media' && res.body && !cancelCause) {
            giveFreeswitch(res.body).catch((e: Error) => note('warn', `early media not applied: ${e.message}`));
          }
        },
      },
    );
  } catch (err) {
    clearTimeout(ringTimer);
    signal?.removeEventListener('abort', onAbort);
    const failure = toDialFailure(err, cancelCause, invite?.get('Call-ID'));
    const res = (err as Partial<Srf.SipError>).res;
    if (res) trace(sipTraceEvent(res, 'in'));
    note('info', `dial failed: ${failure.reason} (${failure.message})`);
    await modifyChain.catch(() => undefined);
    await releaseEndpoint();
    throw failure;
  }
  clearTimeout(ringTimer);
  signal?.removeEventListener('abort', onAbort);
  ledger.acquire('dialog', uac.id);
  trace(sipTraceEvent(uac.res, 'in'));
  const answeredAt = Date.now();

  const abandon = async (failure: DialFailure): Promise<never> => {
    await settleWithin(
      uac.destroy().then((bye) => trace(sipTraceEvent(bye, 'out'))),
      TEARDOWN_TIMEOUT_MS,
    );
    ledger.release('dialog', uac.id);
    await modifyChain.catch(() => undefined);
    await releaseEndpoint();
    throw failure;
  };

  // The 200 crossed our CANCEL: the call exists now, so end it with a BYE.
  if (cancelCause) {
    return abandon(toDialFailure(new Error('answered while being cancelled'), cancelCause, uac.sip.callId));
  }

  // 4. Hand the PBX's answer to FreeSWITCH; the call is built first so an early BYE is not missed.
  ep.off('destroy', onEarlyEndpointLoss);
  if (endpointGone) return abandon(new DialFailure('media', 'the media server lost the channel'));
  if (!uac.remote.sdp || !/^m=audio /m.test(uac.remote.sdp)) {
    // We made the offer, so the 200 must carry the answer (RFC 3264); without it there is no audio.
    return abandon(new DialFailure('media', 'the PBX answered without an SDP answer', 200, undefined, uac.sip.callId));
  }
  const te = hasTelephoneEvent(uac.remote.sdp);
  const inband = options.media.inbandDtmf ?? 'auto';
  const useInband = inband === 'always' || (inband === 'auto' && !te);
  const dtmfModes: DtmfSource[] = [
    ...(te ? (['rfc4733'] as const) : []),
    'info',
    ...(useInband ? (['inband'] as const) : []),
  ];
  // Digits toward the PBX: FreeSWITCH's send_dtmf turns into SIP INFO on its own leg (which never
  // reaches the PBX) when the PBX did not negotiate telephone-event, so then we play tones instead.
  const sendMode = options.media.dtmfSend ?? 'rfc4733';
  const sendVia: DtmfSource = sendMode === 'rfc4733' && !te ? 'inband' : sendMode;
  if (sendVia !== sendMode) note('info', 'the PBX negotiated no telephone-event: digits to it go in-band (tones)');
  const call = new DrachtioCall({
    attemptId: request.attemptId,
    uac,
    ep,
    trace,
    answeredAt,
    dtmfModes,
    sendVia,
    prompts: deps.prompts,
    onLegReleased: (leg) => ledger.release(leg, leg === 'dialog' ? uac.id : ep.uuid),
  });
  try {
    await giveFreeswitch(uac.remote.sdp);
    if (useInband) await ep.execute('start_dtmf');
  } catch (err) {
    note('error', `FreeSWITCH did not take the PBX's answer: ${(err as Error).message}`);
    await call.hangup('media setup failed');
    if (err instanceof DialFailure) throw err;
    throw new DialFailure('media', `FreeSWITCH did not take the PBX's answer: ${(err as Error).message}`);
  }
  if (call.state.name === 'ended') {
    throw new DialFailure('rejected', 'the far end hung up while the call was being set up', 200);
  }
  trace({ kind: 'state', at: answeredAt, state: 'answered' });
  deps.onCall(call);
  return call;
}
