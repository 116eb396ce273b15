/** Access-log URLs lose their credentials (issue 18a): OIDC codes and state, enrollment tokens. */
import { redactUrl } from '../../src/redact';

describe('redactUrl', () => {
  it('drops credential query values and the enrollment token, keeps the rest', () => {
    expect(redactUrl('/me/signin/oidc/callback?code=abc123&state=s1&iss=http%3A%2F%2Fidp')).toBe(
      '/me/signin/oidc/callback?code=[REDACTED]&state=[REDACTED]&iss=http%3A%2F%2Fidp',
    );
    expect(redactUrl('/oidc/authorize?client_id=x&id_token_hint=eyJ.a.b&nonce=n')).toBe(
      '/oidc/authorize?client_id=x&id_token_hint=[REDACTED]&nonce=[REDACTED]',
    );
    expect(redactUrl('/enroll/Zx9-token_value?lang=en')).toBe('/enroll/[REDACTED]?lang=en');
    expect(redactUrl('/admin/users?search=code')).toBe('/admin/users?search=code');
  });
});
