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
  const ordered = [...o.countries].sort((a, b) => a.name.localeCompare(b.name, m.locale));
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
<select id="country" name="country" autocomplete="country"${invalid('country')} aria-describedby="country-error">
${ordered.map(
  (c) =>
    html`<option value="${c.code}"${c.code === values.country ? html` selected` : ''}>${c.name} (+${c.callingCode})</option>`,
)}
</select>
</div>
<div class="field">
<label for="number">${m.t('form.number')}</label>
<p class="hint" id="number-hint">${m.t('form.numberHint')}</p>
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
