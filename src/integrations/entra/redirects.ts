/**
 * Where fyrkant may send the browser back to: Entra's EAM reply URLs (global, US government, China)
 * and extras only by configuration. Compared exactly — no prefix or pattern matching.
 */
export const ENTRA_REPLY_URLS = [
  'https://login.microsoftonline.com/common/federation/externalauthprovider',
  'https://login.microsoftonline.us/common/federation/externalauthprovider',
  'https://login.partner.microsoftonline.cn/common/federation/externalauthprovider',
] as const;

export function isAllowedRedirect(uri: string, allowed: readonly string[]): boolean {
  return allowed.includes(uri);
}
