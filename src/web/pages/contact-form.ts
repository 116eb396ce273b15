/**
 * "How should we contact you?": method kind, country/region with calling codes, number, extension.
 * Used for step 1 of enrollment, for adding a method and for changing one in Security info.
 */
import { type Html, html } from '../html';
import type { MessageKey, Messages } from '../i18n';
import { csrfField, errorSummary } from '../layout';
import type { CountryOption, PhoneKind } from '../ports';

export const PHONE_KINDS: readonly PhoneKind[] = ['office', 'mobile', 'alternate'];

export interface ContactValues {
  readonly kind: PhoneKind;
  readonly country: string;
  readonly number: string;
  readonly extension: string;
}

export type ContactErrors = Partial<Record<keyof ContactValues, string>>;

export interface ContactFormOptions {
  readonly m: Messages;
  readonly action: string;
  readonly csrf: string;
  readonly countries: readonly CountryOption[];
  readonly values: ContactValues;
  readonly errors: ContactErrors;
  readonly submitLabel: MessageKey;
  /** When changing an existing method the kind is fixed. */
  readonly fixedKind?: boolean;
}

function describedBy(...ids: (string | false)[]): string {
  return ids.filter(Boolean).join(' ');
}

export function contactForm(o: ContactFormOptions): Html {
  const { m, values, errors } = o;
  const err = (f: keyof ContactValues) =>
    html`<p class="error-text" id="${f}-error"${errors[f] ? '' : html` hidden`}>${errors[f] ?? ''}</p>`;
  const invalid = (f: keyof ContactValues) => html` aria-invalid="${errors[f] ? 'true' : 'false'}"`;
  return html`${errorSummary(m, errors as Record<string, string>)}
<form method="post" action="${o.action}" novalidate data-phone-form>
${csrfField(o.csrf)}
${
  o.fixedKind
    ? html`<input type="hidden" name="kind" value="${values.kind}">`
    : html`<fieldset class="field choices" id="kind" aria-describedby="kind-error">
<legend>${m.t('form.kind')}</legend>
${err('kind')}
${PHONE_KINDS.map(
  (k) =>
    html`<label><input type="radio" name="kind" value="${k}"${values.kind === k ? html` checked` : ''}> ${m.t(`method.${k}`)}</label>`,
)}
</fieldset>`
}
<div class="field">
<label for="country">${m.t('form.country')}</label>
${err('country')}
<select id="country" name="country" autocomplete="country"${invalid('country')} aria-describedby="country-error" data-example-for="number-hint">
${grouped(m, o.countries, values.country)}
</select>
</div>
<div class="field">
<label for="number">${m.t('form.number')}</label>
${numberHint(m, o.countries.find((c) => c.code === values.country)?.example)}
${err('number')}
<input type="tel" id="number" name="number" value="${values.number}" autocomplete="tel-national" inputmode="tel"
 required${invalid('number')} aria-describedby="${describedBy('number-hint', 'number-error')}" data-msg-required="${m.t('form.required')}">
</div>
<div class="field">
<label for="extension">${m.t('form.extension')}</label>
<p class="hint" id="extension-hint">${m.t('form.extensionHint')} ${m.t('form.extensionOfficeOnly')}</p>
${err('extension')}
<input type="text" id="extension" name="extension" value="${values.extension}" inputmode="tel" autocomplete="off"
 spellcheck="false"${invalid('extension')} aria-describedby="extension-hint extension-error" data-msg-invalid="${m.t('form.extensionInvalid')}">
</div>
<div class="actions"><button type="submit">${m.t(o.submitLabel)}</button></div>
</form>`;
}

/** The countries the policy allows first, in their own group, when the list also has others. */
function grouped(m: Messages, countries: readonly CountryOption[], selected: string): Html {
  const option = (c: CountryOption) =>
    html`<option value="${c.code}"${c.code === selected ? html` selected` : ''}${c.example ? html` data-example="${c.example}"` : ''}>${c.name} (+${c.callingCode})</option>`;
  const allowed = countries.filter((c) => c.allowed);
  const others = countries.filter((c) => !c.allowed);
  if (allowed.length === 0 || others.length === 0) return html`${countries.map(option)}`;
  return html`<optgroup label="${m.t('form.countriesAllowed')}">${allowed.map(option)}</optgroup>
<optgroup label="${m.t('form.countriesOther')}">${others.map(option)}</optgroup>`;
}

/** "As you would dial it, for example 070-123 45 67": the example follows the chosen country (app.js). */
function numberHint(m: Messages, example: string | undefined): Html {
  const template = m.t('form.numberHintFor', { example: '{example}' });
  return html`<p class="hint" id="number-hint" data-template="${template}">${
    example ? m.t('form.numberHintFor', { example }) : m.t('form.numberHint')
  }</p>`;
}
