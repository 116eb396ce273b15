/**
 * API keys as an administrator manages them (web UI and REST API; the CLI has its own commands):
 * create (the key is returned once, only its hash is stored), list without secrets, revoke, and set
 * or clear the webhook a key's results are posted to. Every change is audited.
 */
import type { ApiKeyScope } from '../../domain/api-keys/key';
import { newWebhookSecret } from '../../domain/webhooks/signature';
import { audit, createApiKey, getApiKey, listApiKeys, revokeApiKey, type Store, setApiKeyWebhook } from '../../store';
import type { ApiKeyRow } from '../../store/schema';
import type { FieldProblem, Outcome } from '../users/service';

export type ApiKeyInfo = Omit<ApiKeyRow, 'hash' | 'webhookSecret'> & { readonly hasWebhookSecret: boolean };

export function apiKeyInfo(r: ApiKeyRow): ApiKeyInfo {
  const { hash: _h, webhookSecret, ...rest } = r;
  return { ...rest, hasWebhookSecret: webhookSecret !== null };
}

const invalid = (...problems: FieldProblem[]): Outcome<never> => ({ ok: false, error: 'invalid', problems });

function webhookProblem(url: string | null | undefined): FieldProblem | undefined {
  if (!url) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:'))
    return {
      field: 'webhookUrl',
      code: 'invalid',
      message: {
        sv: 'Skriv en http(s)-adress, till exempel https://idp.exempel.se/fyrkant.',
        en: 'Enter an http(s) URL, for example https://idp.example.com/fyrkant.',
      },
    };
  return undefined;
}

export class ApiKeyService {
  constructor(private readonly store: Store) {}

  list(): ApiKeyInfo[] {
    return listApiKeys(this.store.db).map(apiKeyInfo);
  }

  create(
    input: { name: string; scope: ApiKeyScope; webhookUrl?: string | null },
    actor: string,
  ): Outcome<{ info: ApiKeyInfo; key: string; webhookSecret: string | null }> {
    const name = input.name.trim();
    const problems: FieldProblem[] = [];
    if (name.length < 1 || name.length > 100)
      problems.push({
        field: 'name',
        code: 'required',
        message: {
          sv: 'Ge nyckeln ett namn (högst 100 tecken), till exempel VPN-portalen.',
          en: 'Give the key a name (at most 100 characters), for example VPN portal.',
        },
      });
    if (input.scope !== 'admin' && input.scope !== 'integration')
      problems.push({
        field: 'scope',
        code: 'invalid',
        message: { sv: 'Välj behörighet: admin eller integration.', en: 'Choose a scope: admin or integration.' },
      });
    const w = webhookProblem(input.webhookUrl);
    if (w) problems.push(w);
    if (problems.length) return invalid(...problems);
    const url = input.webhookUrl || null;
    const secret = url ? newWebhookSecret() : null;
    const created = this.store.db.transaction(() => {
      const c = createApiKey(this.store.db, { name, scopes: [input.scope], webhookUrl: url, webhookSecret: secret });
      audit(this.store.db, {
        actor,
        action: 'apikey.create',
        target: `apikey:${c.row.id}`,
        detail: { name, scopes: [input.scope], prefix: c.row.prefix, webhookUrl: url },
      });
      return c;
    });
    return { ok: true, value: { info: apiKeyInfo(created.row), key: created.key, webhookSecret: secret } };
  }

  revoke(id: string, actor: string): Outcome<ApiKeyInfo> {
    const row = getApiKey(this.store.db, id);
    if (!row) return { ok: false, error: 'not-found', what: 'API key' };
    if (row.revokedAt !== null) return { ok: true, value: apiKeyInfo(row) };
    this.store.db.transaction(() => {
      revokeApiKey(this.store.db, id);
      audit(this.store.db, { actor, action: 'apikey.revoke', target: `apikey:${id}`, detail: { name: row.name } });
    });
    return { ok: true, value: apiKeyInfo(getApiKey(this.store.db, id)!) };
  }

  /** Sets (new secret, returned once) or clears the key's webhook. */
  setWebhook(id: string, url: string | null, actor: string): Outcome<{ info: ApiKeyInfo; secret: string | null }> {
    const row = getApiKey(this.store.db, id);
    if (!row) return { ok: false, error: 'not-found', what: 'API key' };
    const w = webhookProblem(url);
    if (w) return invalid(w);
    const secret = url ? newWebhookSecret() : null;
    this.store.db.transaction(() => {
      setApiKeyWebhook(this.store.db, id, url || null, secret);
      audit(this.store.db, { actor, action: 'apikey.webhook', target: `apikey:${id}`, detail: { webhookUrl: url } });
    });
    return { ok: true, value: { info: apiKeyInfo(getApiKey(this.store.db, id)!), secret } };
  }
}
