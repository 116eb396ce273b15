/**
 * The FreeSWITCH endpoint for a call and the SDP that goes toward the PBX.
 *
 * Why not plain third-party call control (endpoint created without SDP, FreeSWITCH's offer sent to
 * the PBX): seen with FreeSWITCH 1.10.12 as the mrf image configures it, that offer has an
 * `RTP/SAVP` line with 11 `a=crypto` suites before the `RTP/AVP` one, drachtio-srf ACKs FreeSWITCH's
 * 200 with that same offer, and FreeSWITCH then negotiates SRTP *with itself* at the ACK; nothing
 * sent later (channel variables, the PBX's plain answer in a re-INVITE) switches it off, so the PBX
 * gets encrypted prompts and digits. Only a global FreeSWITCH variable avoids that in the 3pcc flow.
 *
 * So, unless SRTP is configured, FreeSWITCH gets a plain offer (G.711 + telephone-event, inactive)
 * when the endpoint is created — it answers without crypto — and the PBX gets an offer we build
 * from FreeSWITCH's media address and port with the configured G.711 codecs and telephone-event.
 * The PBX's answer then goes to FreeSWITCH (narrowed to the codec the PBX chose) as a re-INVITE.
 * This works against stock FreeSWITCH configuration.
 */
import type Mrf from 'drachtio-fsmrf';
import { DialFailure } from '../port';
import type { DrachtioBackendOptions } from './options';
import { answerForFreeswitch, type G711, hasCrypto, pbxOffer, placeholderOffer } from './sdp';

export interface PreparedMedia {
  readonly ep: Mrf.Endpoint;
  /** The SDP offer for the PBX's INVITE. Throws a `DialFailure` if FreeSWITCH gave nothing usable. */
  offer(): string;
  /** The PBX's SDP (183 or 200) as FreeSWITCH must get it. Throws a `DialFailure` if unusable. */
  forFreeswitch(pbxSdp: string): string;
}

export const DEFAULT_CODECS: readonly G711[] = ['PCMU', 'PCMA'];

/** An error from drachtio-fsmrf meaning FreeSWITCH is not there right now (not a per-call problem). */
function isUnavailable(message: string): boolean {
  return /not connected|not ready|Connection timeout|ECONNREFUSED|503/i.test(message);
}

export async function prepareMedia(ms: Mrf.MediaServer, options: DrachtioBackendOptions): Promise<PreparedMedia> {
  const codecs = options.media.codecs ?? DEFAULT_CODECS;
  const sessionId = Math.floor(Date.now() / 1000);
  const srtp = options.media.srtp === true;
  let ep: Mrf.Endpoint;
  try {
    ep = srtp ? await ms.createEndpoint() : await ms.createEndpoint({ remoteSdp: placeholderOffer(codecs, sessionId) });
  } catch (err) {
    const message = (err as Error).message;
    throw new DialFailure(
      isUnavailable(message) ? 'unavailable' : 'media',
      `FreeSWITCH could not create an endpoint: ${message}`,
    );
  }
  if (srtp) {
    // SRTP configured: FreeSWITCH's own 3pcc offer (SAVP with crypto, then AVP) as it is. Not verified
    // against a PBX with SRTP (see docs/drachtio.md).
    return { ep, offer: () => ep.local.sdp, forFreeswitch: (sdp) => sdp };
  }
  return {
    ep,
    offer() {
      const built = pbxOffer(ep.local.sdp, codecs, sessionId);
      if (!built.ok) throw new DialFailure('media', built.why);
      if (hasCrypto(built.sdp)) throw new DialFailure('media', 'the offer toward the PBX carries SRTP keys');
      return built.sdp;
    },
    forFreeswitch(pbxSdp) {
      const narrowed = answerForFreeswitch(pbxSdp);
      if (!narrowed.ok) throw new DialFailure('media', narrowed.why);
      return narrowed.sdp;
    },
  };
}
