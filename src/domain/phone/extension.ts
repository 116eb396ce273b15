/**
 * Extension syntax: what is dialled as DTMF after the call is answered.
 * Digits, `*` and `#`; `,` pauses 1 s and `w` pauses 0.5 s (to get past an auto-attendant's menu).
 */
import type { Localized } from '../language';

export const MAX_EXTENSION_LENGTH = 32;
export const PAUSE_MS = { ',': 1000, w: 500 } as const;

export type ExtensionStep =
  | { readonly kind: 'digits'; readonly digits: string }
  | { readonly kind: 'pause'; readonly ms: number };

export type ExtensionResult =
  | {
      readonly ok: true;
      readonly extension: string;
      readonly steps: readonly ExtensionStep[];
      readonly durationPauseMs: number;
    }
  | { readonly ok: false; readonly code: ExtensionErrorCode; readonly message: Localized };

export type ExtensionErrorCode = 'extension-invalid-character' | 'extension-too-long' | 'extension-no-digits';

/** Validates and normalises (trims, drops spaces, dashes and dots people type for readability). */
export function parseExtension(input: string): ExtensionResult {
  const ext = input.replace(/[\s.\-()]/g, '');
  const bad = /[^0-9*#,w]/.exec(ext);
  if (bad) {
    const ch = bad[0];
    const hint = ch === 'W' ? ' (use w for a half-second pause, or , for one second)' : '';
    const hintSv = ch === 'W' ? ' (använd w för en halv sekunds paus eller , för en sekund)' : '';
    return {
      ok: false,
      code: 'extension-invalid-character',
      message: {
        sv: `Anknytningen får bara innehålla siffror, *, #, komma (paus 1 s) och w (paus 0,5 s), inte "${ch}"${hintSv}.`,
        en: `The extension may only contain digits, *, #, comma (1 s pause) and w (0.5 s pause), not "${ch}"${hint}.`,
      },
    };
  }
  if (ext.length > MAX_EXTENSION_LENGTH)
    return {
      ok: false,
      code: 'extension-too-long',
      message: {
        sv: `Anknytningen är för lång (högst ${MAX_EXTENSION_LENGTH} tecken).`,
        en: `The extension is too long (at most ${MAX_EXTENSION_LENGTH} characters).`,
      },
    };
  if (!/[0-9*#]/.test(ext))
    return {
      ok: false,
      code: 'extension-no-digits',
      message: { sv: 'Anknytningen innehåller inga siffror.', en: 'The extension contains no digits.' },
    };
  const steps: ExtensionStep[] = [];
  let pause = 0;
  for (const part of ext.match(/[0-9*#]+|[,w]/g) ?? []) {
    if (part === ',' || part === 'w') {
      const ms = PAUSE_MS[part];
      pause += ms;
      const last = steps[steps.length - 1];
      if (last?.kind === 'pause') steps[steps.length - 1] = { kind: 'pause', ms: last.ms + ms };
      else steps.push({ kind: 'pause', ms });
    } else steps.push({ kind: 'digits', digits: part });
  }
  return { ok: true, extension: ext, steps, durationPauseMs: pause };
}

/** True when the extension is plain digits (can be used as a SIP user part for direct dialling). */
export function isPlainExtension(ext: string): boolean {
  return /^[0-9]+$/.test(ext);
}
