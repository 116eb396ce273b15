/**
 * The dial plan: how a parsed number becomes what goes on the wire.
 *
 * - A public number becomes a Request-URI from a template (E.164 with `+`, or national with an
 *   outside-line prefix), and its extension becomes DTMF sent after answer (with pre/post delays).
 * - A number inside one of the company's own DID ranges is called directly as the extension
 *   (`sip:{ext}@pbx`), with no DTMF: the PBX routes it without an auto-attendant.
 */
import type { ParsedPhone } from './phone/parse';

export interface InternalRange {
  /** Inclusive E.164 bounds with the same number of digits, e.g. `+46812345000`…`+46812345999`. */
  readonly from: string;
  readonly to: string;
  /** The last N digits of a number in the range are its extension. */
  readonly extensionDigits: number;
  /** URI template with `{ext}`, e.g. `sip:{ext}@pbx.example.com`. */
  readonly requestUri: string;
}

export interface DialPlanOptions {
  /** Template with `{e164}`, `{e164digits}`, `{national}`, `{prefix}`, `{host}`. */
  readonly requestUri: string;
  readonly outsideLinePrefix: string;
  /** The trunk's domain/host for `{host}`; null when no trunk is configured. */
  readonly host: string | null;
  readonly preDelayMs: number;
  readonly postDelayMs: number;
  readonly internalRanges: readonly InternalRange[];
}

export interface PostAnswerDigits {
  /** Extension syntax: digits, `*`, `#`, `,` (1 s), `w` (0.5 s). */
  readonly digits: string;
  readonly preDelayMs: number;
  readonly postDelayMs: number;
}

export type DialPlan =
  | {
      readonly ok: true;
      readonly route: 'trunk';
      readonly requestUri: string;
      /** Null when there is no extension. */
      readonly postAnswer: PostAnswerDigits | null;
    }
  | {
      readonly ok: true;
      readonly route: 'internal';
      readonly requestUri: string;
      readonly postAnswer: null;
      /** The extension dialled directly. */
      readonly extension: string;
      readonly range: InternalRange;
    }
  | { readonly ok: false; readonly code: 'no-trunk' | 'template-error'; readonly message: string };

export function inRange(e164: string, range: Pick<InternalRange, 'from' | 'to'>): boolean {
  // Same-length digit strings compare numerically when compared as strings.
  return e164.length === range.from.length && e164 >= range.from && e164 <= range.to;
}

export function planDial(
  phone: Pick<ParsedPhone, 'e164' | 'national' | 'extension'>,
  options: DialPlanOptions,
): DialPlan {
  const range = options.internalRanges.find((r) => inRange(phone.e164, r));
  if (range) {
    // A plain extension the user typed names the phone better than the (often switchboard) number.
    const ext =
      phone.extension && /^[0-9]+$/.test(phone.extension) ? phone.extension : phone.e164.slice(-range.extensionDigits);
    return {
      ok: true,
      route: 'internal',
      requestUri: range.requestUri.replaceAll('{ext}', ext),
      postAnswer: null,
      extension: ext,
      range,
    };
  }
  const nationalDigits = phone.national.replace(/[^0-9]/g, '');
  const values: Record<string, string | null> = {
    e164: phone.e164,
    e164digits: phone.e164.slice(1),
    national: nationalDigits,
    prefix: options.outsideLinePrefix,
    host: options.host,
  };
  let missing: string | undefined;
  const requestUri = options.requestUri.replace(/\{([a-z0-9]+)\}/gi, (all, name: string) => {
    if (!(name in values)) {
      missing ??= `unknown placeholder ${all} in dialPlan.requestUri`;
      return all;
    }
    const v = values[name];
    if (v === null || v === undefined) {
      missing ??= 'no trunk is configured (sip.trunk.uri or sip.trunk.domain) for {host} in dialPlan.requestUri';
      return all;
    }
    return v;
  });
  if (missing)
    return { ok: false, code: missing.startsWith('no trunk') ? 'no-trunk' : 'template-error', message: missing };
  return {
    ok: true,
    route: 'trunk',
    requestUri,
    postAnswer: phone.extension
      ? { digits: phone.extension, preDelayMs: options.preDelayMs, postDelayMs: options.postDelayMs }
      : null,
  };
}
