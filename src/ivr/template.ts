/**
 * `{name}` templates used by prompt texts, `send-digits` and gather patterns. Only known variables are
 * allowed (the validator reports unknown ones), so a typo never reaches a caller as "{extensoin}".
 */

/** Variables whose values are digit strings: spoken digit by digit, never sent to TTS as numbers. */
export const DIGIT_VARIABLES = ['extension', 'challengeDigit', 'lastDigit', 'lastDigits'] as const;
/** Variables spoken as text. */
export const TEXT_VARIABLES = ['company', 'displayName', 'language'] as const;
export const VARIABLES = [...DIGIT_VARIABLES, ...TEXT_VARIABLES] as const;
export type VariableName = (typeof VARIABLES)[number];
export type Vars = Partial<Record<VariableName, string>>;

export function isVariableName(name: string): name is VariableName {
  return (VARIABLES as readonly string[]).includes(name);
}
export function isDigitVariable(name: string): boolean {
  return (DIGIT_VARIABLES as readonly string[]).includes(name);
}

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'var'; readonly name: string };

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** Splits `Press {challengeDigit} now` into text and variable parts (unknown names kept, for the validator). */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push({ kind: 'text', text: template.slice(last, m.index) });
    parts.push({ kind: 'var', name: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) });
  return parts;
}

export function templateVariables(template: string): string[] {
  return parseTemplate(template)
    .filter((p): p is { kind: 'var'; name: string } => p.kind === 'var')
    .map((p) => p.name);
}

/** Replaces every known variable; unset ones become empty strings. */
export function expand(template: string, vars: Vars): string {
  return parseTemplate(template)
    .map((p) => (p.kind === 'text' ? p.text : isVariableName(p.name) ? (vars[p.name] ?? '') : ''))
    .join('');
}
