/** Shared helpers for IVR tests: a prompt provider that needs no audio, and script loading from text. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PromptProvider, PromptRequest } from '../../src/ivr/prompt-source';
import type { LoadedScript } from '../../src/ivr/script';
import { validateScript } from '../../src/ivr/validate';

export const SCRIPTS_DIR = join(__dirname, '..', '..', 'ivr-scripts');

/** Names prompts like the real library (`script/key@lang`) without rendering anything. */
export const namedPrompts = (log: PromptRequest[] = []): PromptProvider => ({
  forScript: (script, language) => ({
    audio: async (request) => {
      log.push(request);
      const label =
        request.kind === 'prompt' ? request.key : request.kind === 'digits' ? `digits:${request.digits}` : 'say';
      return { name: `${script.id}/${label}@${language}`, path: '/dev/null', hash: label };
    },
  }),
});

export function scriptFromText(text: string, id = 'test-script'): LoadedScript {
  const r = validateScript(text, `/tmp/${id}.yaml`, { id });
  if (!r.script) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return r.script;
}

export function shippedScript(id: string): LoadedScript {
  const file = join(SCRIPTS_DIR, `${id}.yaml`);
  const r = validateScript(readFileSync(file, 'utf8'), file);
  if (!r.script) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return r.script;
}
