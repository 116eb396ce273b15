/**
 * `fyrkant prompts render [--script ID]`: renders every prompt clip the scripts need (TTS texts in each
 * language, digit words) into the prompt cache, so calls never wait for espeak-ng.
 * `fyrkant prompts export ID --lang sv-SE --out file.wav`: writes what a prompt will sound like on a call
 * (8 kHz mono), for a tester to listen to. ID is a prompt key of `--script` (default: ivr.defaultScript)
 * or `script/key`. It was called `prompts play`, which promised sound it never made; the old name
 * still works (hidden) and says the new one.
 */
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatDiagnostic } from '../../ivr/diagnostics';
import { PromptLibrary, type Segment, ttsClipName } from '../../ivr/prompts/library';
import { loadScripts } from '../../ivr/registry';
import { DEFAULT_LANGUAGES } from '../../ivr/script';
import { withConfigOption } from '../common';
import { ivrSettings } from '../ivr-settings';

interface RenderFlags {
  config?: string;
  dir?: string;
  cache?: string;
  company?: string;
  script?: string;
  lang?: string[];
  prune?: boolean;
}

export async function renderPrompts(flags: RenderFlags, out: (line: string) => void): Promise<number> {
  const { lang: _langs, ...rest } = flags;
  const s = ivrSettings(rest);
  const registry = await loadScripts(s.scriptsDir);
  const ids = flags.script ? [flags.script] : registry.ids();
  let failed = 0;
  for (const st of registry.list()) {
    if (st.refused && (!flags.script || st.id === flags.script)) {
      out(`script ${st.id} has errors and is skipped:`);
      for (const d of st.latest.diagnostics) if (d.severity === 'error') out(`  ${formatDiagnostic(d)}`);
      failed++;
    }
  }
  const library = new PromptLibrary({ cacheDir: s.promptCacheDir });
  const needed = new Map<string, Segment>();
  for (const id of ids) {
    const script = registry.get(id);
    if (!script) {
      if (!registry.status(id)) out(`no script "${id}" in ${s.scriptsDir}`);
      failed++;
      continue;
    }
    const langs = flags.lang?.length ? flags.lang : (script.data.languages ?? [...DEFAULT_LANGUAGES]);
    for (const seg of library.allSegments(script, langs, { company: s.company })) {
      needed.set(seg.kind === 'tts' ? ttsClipName(seg.tts) : seg.path, seg);
    }
  }
  let rendered = 0;
  let cached = 0;
  const keep = new Set<string>();
  for (const seg of needed.values()) {
    const name = seg.kind === 'tts' ? ttsClipName(seg.tts) : undefined;
    const before = name ? await library.cache.find(name) : undefined;
    try {
      const clip = await library.renderSegment(seg);
      keep.add(clip.path);
      if (before) cached++;
      else rendered++;
    } catch (err) {
      out(`cannot render ${seg.kind === 'tts' ? JSON.stringify(seg.tts.text) : seg.path}: ${(err as Error).message}`);
      failed++;
      break;
    }
  }
  out(`${needed.size} clip(s) for ${ids.length} script(s): ${rendered} rendered, ${cached} already cached`);
  if (flags.prune && !flags.script && failed === 0) {
    // Only TTS clips are derived data we can safely drop; composed and converted clips are cheap to redo.
    let pruned = 0;
    for (const f of readdirSync(library.cache.dir)) {
      const path = join(library.cache.dir, f);
      if (/^(tts|mix|file)-[0-9a-f]+\.wav$/.test(f) && !keep.has(path)) {
        rmSync(path);
        pruned++;
      }
    }
    out(`pruned ${pruned} clip(s) no script uses`);
  }
  return failed ? 1 : 0;
}

interface PlayFlags {
  config?: string;
  dir?: string;
  cache?: string;
  company?: string;
  script?: string;
  lang?: string;
  out: string;
  ext?: string;
  challenge?: string;
  name?: string;
}

export async function playPrompt(id: string, flags: PlayFlags, out: (line: string) => void): Promise<number> {
  const s = ivrSettings(flags);
  const [scriptId, key] = id.includes('/') ? (id.split('/', 2) as [string, string]) : [s.defaultScript, id];
  const registry = await loadScripts(s.scriptsDir);
  const script = registry.get(scriptId);
  if (!script) {
    const st = registry.status(scriptId);
    out(
      st ? `script ${scriptId} has errors; run "fyrkant scripts check"` : `no script "${scriptId}" in ${s.scriptsDir}`,
    );
    return 1;
  }
  if (!Object.hasOwn(script.data.prompts, key)) {
    out(`script ${scriptId} has no prompt "${key}"; it has: ${Object.keys(script.data.prompts).join(', ')}`);
    return 1;
  }
  const library = new PromptLibrary({ cacheDir: s.promptCacheDir });
  const audio = await library.audio(
    script,
    s.language,
    { kind: 'prompt', key },
    {
      company: s.company,
      language: s.language,
      extension: flags.ext ?? '1001',
      challengeDigit: flags.challenge ?? '7',
      ...(flags.name ? { displayName: flags.name } : {}),
    },
  );
  copyFileSync(audio.path, flags.out);
  out(`wrote ${flags.out} (${audio.name}, 8 kHz mono)`);
  return 0;
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)];

export function register(program: Command): void {
  const prompts = program
    .command('prompts')
    .description('IVR prompts: pre-render them, export one to a WAV file to listen to');
  const common = (c: Command) =>
    withConfigOption(c)
      .option('--dir <dir>', 'scripts directory (default: ivr.scriptsDir)')
      .option('--cache <dir>', 'prompt cache directory (default: ivr.promptCacheDir)')
      .option('--company <name>', 'company name spoken in prompts (default: companyName)');

  common(
    prompts
      .command('render')
      .description('Render every prompt clip of the scripts into the prompt cache (needs espeak-ng for new texts)')
      .option('-s, --script <id>', 'only this script')
      .option('-l, --lang <tags>', "languages (comma-separated; default: the script's languages)", collect)
      .option('--prune', 'delete clips in the cache that no script uses'),
  ).action(async (opts: RenderFlags) => {
    process.exitCode = await renderPrompts(opts, (l) => process.stdout.write(`${l}\n`));
  });

  const exportOptions = (c: Command) =>
    common(c)
      .argument('<id>', 'prompt key (of --script) or script/key')
      .option('-s, --script <id>', 'script (default: ivr.defaultScript)')
      .option('-l, --lang <tag>', 'language, e.g. sv-SE (default: defaultLanguage)')
      .requiredOption('-o, --out <file>', 'WAV file to write (open it in any audio player)')
      .option('--ext <digits>', 'extension to read out for {extension}', '1001')
      .option('--challenge <digit>', 'digit for {challengeDigit}', '7')
      .option('--name <displayName>', 'display name for {displayName}');

  exportOptions(
    prompts.command('export').description('Write a prompt as it will sound on a call (8 kHz mono) to a WAV file'),
  ).action(async (id: string, opts: PlayFlags) => {
    process.exitCode = await playPrompt(id, opts, (l) => process.stdout.write(`${l}\n`));
  });

  // The old name: it never played anything, so it is hidden and points at the new one.
  exportOptions(prompts.command('play', { hidden: true }).description('old name of "prompts export"')).action(
    async (id: string, opts: PlayFlags) => {
      process.stderr.write('fyrkant: "prompts play" is now "prompts export" (it writes a WAV file)\n');
      process.exitCode = await playPrompt(id, opts, (l) => process.stdout.write(`${l}\n`));
    },
  );
}
