/**
 * The prompt library: turns a prompt (script + key + language + call variables) into a playable
 * `PromptAudio`. TTS texts are split at digit variables ({extension}, {challengeDigit}, …): the text
 * pieces and each digit word are separate clips, rendered once and cached by hash of (text, voice,
 * rate), then joined per call. So the shipped pre-rendered clips cover every extension and challenge
 * digit, and fyrkant runs without espeak-ng as long as the texts (and the company name) are unchanged.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { PromptAudio } from '../../telephony/port';
import type { PromptProvider, PromptRequest, PromptSource } from '../prompt-source';
import type { Localized, PromptVariant } from '../schema';
import type { LoadedScript } from '../script';
import { isDigitVariable, isVariableName, parseTemplate, type Vars } from '../template';
import { type Clip, ClipCache, sha256 } from './cache';
import { digitWord, speakableDigits } from './digit-words';
import { DEFAULT_RATE, pickLanguage, voiceFor } from './languages';
import { EspeakNg, type TtsEngine, type TtsRequest } from './tts';
import { concatPcm, convertUpload, DEFAULT_UPLOAD_LIMITS, encodeWav8k, readPcm8k, type UploadLimits } from './wav';

export interface PromptLibraryOptions {
  /** Writable cache of rendered/converted clips. */
  readonly cacheDir: string;
  /** Read-only clip directories searched after the cache (default: the clips shipped in `ivr-scripts/rendered`). */
  readonly prerenderedDirs?: readonly string[];
  readonly tts?: TtsEngine;
  readonly uploadLimits?: UploadLimits;
}

/** One piece of a prompt: TTS text, or a recorded file. */
export type Segment =
  | { readonly kind: 'tts'; readonly tts: TtsRequest }
  | { readonly kind: 'file'; readonly path: string };

/** Path of the recording (8 kHz WAV) for a script's prompt in a language, if one was uploaded. */
export type RecordingLookup = (scriptId: string, promptKey: string, language: string) => string | undefined;

export class PromptError extends Error {
  override readonly name = 'PromptError';
}

export function ttsClipName(r: TtsRequest): string {
  return `tts-${sha256(JSON.stringify([r.text, r.voice, r.rate])).slice(0, 32)}`;
}

/** `ivr-scripts/rendered` of the installed package (works from `src/` under jest and from `dist/`). */
export function bundledPrerenderedDir(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'ivr-scripts'))) {
      return join(dir, 'ivr-scripts', 'rendered');
    }
    dir = dirname(dir);
  }
  return undefined;
}

export class PromptLibrary implements PromptProvider {
  readonly cache: ClipCache;
  private readonly tts: TtsEngine;
  private readonly limits: UploadLimits;

  constructor(options: PromptLibraryOptions) {
    const bundled = bundledPrerenderedDir();
    this.cache = new ClipCache(resolve(options.cacheDir), options.prerenderedDirs ?? (bundled ? [bundled] : []));
    this.tts = options.tts ?? new EspeakNg();
    this.limits = options.uploadLimits ?? DEFAULT_UPLOAD_LIMITS;
  }

  /** Where uploaded recordings come from: the path of the converted WAV of a prompt in a language. */
  private recordings: RecordingLookup | undefined;

  setRecordings(lookup: RecordingLookup | undefined): void {
    this.recordings = lookup;
  }

  forScript(script: LoadedScript, language: string): PromptSource {
    return { audio: (request, vars, signal) => this.audio(script, language, request, vars, signal) };
  }

  /** The audio for one request; throws `PromptError` (or `TtsUnavailable`) with a message for admins. */
  async audio(
    script: LoadedScript,
    language: string,
    request: PromptRequest,
    vars: Vars,
    signal?: AbortSignal,
  ): Promise<PromptAudio> {
    const { name, segments } = this.plan(script, language, request, vars);
    const clips: Clip[] = [];
    for (const s of segments) clips.push(await this.clip(s, name, signal));
    if (clips.length === 0) throw new PromptError(`prompt ${name} has nothing to say`);
    const clip = clips.length === 1 ? clips[0]! : await this.compose(clips);
    return { name, path: clip.path, hash: clip.hash };
  }

  /** Which clips a request needs, without rendering anything. */
  plan(
    script: LoadedScript,
    language: string,
    request: PromptRequest,
    vars: Vars,
  ): { name: string; language: string; segments: Segment[] } {
    if (request.kind === 'digits') {
      const lang = this.scriptLanguage(script, language);
      const segments = speakableDigits(request.digits).map((d) => this.digitSegment(script, lang, d));
      return { name: `${script.id}/digits:${request.digits}@${lang}`, language: lang, segments };
    }
    const loc: Localized | undefined =
      request.kind === 'prompt'
        ? script.data.prompts[request.key]
        : typeof request.text === 'string'
          ? { [this.scriptLanguage(script, language)]: request.text }
          : request.text;
    const label = request.kind === 'prompt' ? request.key : 'say';
    if (!loc) throw new PromptError(`script ${script.id} has no prompt "${label}"`);
    const lang = pickLanguage(Object.keys(loc), language, script.data.language ?? 'en-US');
    const variant = lang ? loc[lang] : undefined;
    if (!lang || !variant) throw new PromptError(`prompt ${script.id}/${label} has no language versions`);
    // An uploaded recording of this prompt in this language replaces its text or file.
    const recording = request.kind === 'prompt' ? this.recordings?.(script.id, request.key, lang) : undefined;
    return {
      name: `${script.id}/${label}@${lang}`,
      language: lang,
      segments: recording ? [{ kind: 'file', path: recording }] : this.segments(script, lang, variant, vars),
    };
  }

  /** Every clip a script can need in the given languages (for pre-rendering): texts and digit words. */
  allSegments(script: LoadedScript, languages: readonly string[], vars: Vars): Segment[] {
    const out = new Map<string, Segment>();
    const add = (s: Segment) => out.set(s.kind === 'tts' ? ttsClipName(s.tts) : s.path, s);
    for (const lang of languages) {
      for (const key of Object.keys(script.data.prompts)) {
        for (const s of this.plan(script, lang, { kind: 'prompt', key }, vars).segments) add(s);
      }
      for (const step of script.steps) {
        if (step.verb === 'say') {
          const a = step.args as string | Localized | { text: string | Localized };
          const text =
            typeof a === 'object' && 'text' in a ? (a.text as string | Localized) : (a as string | Localized);
          for (const s of this.plan(script, lang, { kind: 'say', text }, vars).segments) add(s);
        }
      }
      for (const d of '0123456789*#') add(this.digitSegment(script, this.scriptLanguage(script, lang), d));
    }
    return [...out.values()];
  }

  async renderSegment(segment: Segment, label = 'prompt'): Promise<Clip> {
    return this.clip(segment, label);
  }

  // --- internals ----------------------------------------------------------------------------------

  private segments(script: LoadedScript, lang: string, variant: PromptVariant, vars: Vars): Segment[] {
    if (typeof variant === 'object' && 'file' in variant) {
      const path = isAbsolute(variant.file) ? variant.file : join(script.baseDir, variant.file);
      return [{ kind: 'file', path }];
    }
    const text = typeof variant === 'string' ? variant : variant.text;
    const voice = (typeof variant === 'object' && variant.voice) || script.data.voices?.[lang]?.voice || voiceFor(lang);
    const rate = (typeof variant === 'object' && variant.rate) || script.data.voices?.[lang]?.rate || DEFAULT_RATE;
    const out: Segment[] = [];
    let pending = '';
    const flush = () => {
      // Punctuation left at the start by a split (", please.") only adds a pause before the words.
      const t = pending
        .replace(/\s+/g, ' ')
        .replace(/^[\s,;:]+/, '')
        .trim();
      // Bare punctuation between two digit variables would only render a click of silence.
      if (/[\p{L}\p{N}]/u.test(t)) out.push({ kind: 'tts', tts: { text: t, voice, rate } });
      pending = '';
    };
    for (const part of parseTemplate(text)) {
      if (part.kind === 'text') pending += part.text;
      else if (isDigitVariable(part.name)) {
        // Split here even when the value is empty, so clip boundaries never depend on call data.
        flush();
        const value = isVariableName(part.name) ? (vars[part.name] ?? '') : '';
        for (const d of speakableDigits(value)) out.push(this.digitSegment(script, lang, d, voice, rate));
      } else pending += isVariableName(part.name) ? (vars[part.name] ?? '') : '';
    }
    flush();
    return out;
  }

  private digitSegment(script: LoadedScript, lang: string, d: string, voice?: string, rate?: number): Segment {
    return {
      kind: 'tts',
      tts: {
        text: digitWord(d, lang),
        voice: voice ?? script.data.voices?.[lang]?.voice ?? voiceFor(lang),
        rate: rate ?? script.data.voices?.[lang]?.rate ?? DEFAULT_RATE,
      },
    };
  }

  /** The language the script speaks for `wanted`, judged over all its prompts. */
  private scriptLanguage(script: LoadedScript, wanted: string): string {
    const all = new Set<string>();
    for (const loc of Object.values(script.data.prompts)) for (const l of Object.keys(loc)) all.add(l);
    return pickLanguage([...all], wanted, script.data.language ?? 'en-US') ?? wanted;
  }

  private async clip(segment: Segment, label: string, signal?: AbortSignal): Promise<Clip> {
    if (segment.kind === 'tts') {
      return this.cache.get(ttsClipName(segment.tts), () => this.tts.render(segment.tts, signal));
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(segment.path);
    } catch (err) {
      throw new PromptError(`prompt ${label}: cannot read ${segment.path} (${(err as Error).message})`);
    }
    return this.cache.get(`file-${sha256(bytes).slice(0, 32)}`, async () => {
      try {
        return convertUpload(bytes, this.limits).wav;
      } catch (err) {
        throw new PromptError(`prompt ${label}: ${segment.path}: ${(err as Error).message}`);
      }
    });
  }

  private async compose(clips: readonly Clip[]): Promise<Clip> {
    const name = `mix-${sha256(clips.map((c) => c.hash).join(',')).slice(0, 32)}`;
    return this.cache.get(name, async () => {
      const pcm = await Promise.all(clips.map(async (c) => readPcm8k(await readFile(c.path))));
      return encodeWav8k(concatPcm(pcm));
    });
  }
}
