/**
 * `ivr-scripts/schema.json`, generated from the zod schema so editors (yaml-language-server via the
 * `# yaml-language-server: $schema=./schema.json` line) complete and check scripts. A test keeps the
 * committed file in sync; `fyrkant scripts schema` regenerates it.
 */
import { z } from 'zod';
import { scriptFileSchema } from './schema';

export function scriptJsonSchema(): Record<string, unknown> {
  // draft-07: the dialect yaml-language-server (VS Code, Neovim, …) understands best.
  const schema = z.toJSONSchema(scriptFileSchema, { target: 'draft-7', reused: 'ref' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://fyrkant.invalid/ivr-script.schema.json', title: 'fyrkant IVR script' };
}

export function scriptJsonSchemaText(): string {
  return `${JSON.stringify(scriptJsonSchema(), null, 2)}\n`;
}
