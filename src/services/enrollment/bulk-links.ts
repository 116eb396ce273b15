/**
 * Enrollment links for many users at once: one fresh single-use link per user (each audited), as
 * rows for a CSV file the admin hands out or mails with their own tools. Unknown ids are reported,
 * not skipped silently.
 */
import { getUser, type Store } from '../../store';
import type { UserService } from '../users/service';

export interface BulkLinkRow {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly language: string;
  readonly url: string;
  readonly expiresAt: number;
}

export interface BulkLinkResult {
  readonly links: readonly BulkLinkRow[];
  /** Ids that named no user. */
  readonly unknown: readonly string[];
}

export const MAX_BULK_USERS = 5000;

export function createBulkLinks(
  store: Store,
  users: UserService,
  userIds: readonly string[],
  actor: string,
): BulkLinkResult {
  const links: BulkLinkRow[] = [];
  const unknown: string[] = [];
  for (const id of new Set(userIds)) {
    const u = getUser(store.db, id);
    const link = u ? users.createEnrollmentLink(id, actor) : undefined;
    if (!u || !link?.ok) {
      unknown.push(id);
      continue;
    }
    links.push({
      userId: u.id,
      username: u.username,
      displayName: u.displayName,
      email: u.email,
      language: u.language,
      url: link.value.url,
      expiresAt: link.value.expiresAt,
    });
  }
  return { links, unknown };
}

/** One CSV cell (RFC 4180 quoting); a leading = + - @ is neutralised so a spreadsheet never runs it. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const BULK_CSV_COLUMNS = ['username', 'displayName', 'email', 'language', 'enrollmentUrl', 'expiresAt'] as const;

/** UTF-8 with a BOM (so Excel reads å, ä, ö), CRLF line ends, ISO 8601 UTC expiry. */
export function bulkLinksCsv(rows: readonly BulkLinkRow[]): string {
  const lines = [BULK_CSV_COLUMNS.join(',')];
  for (const r of rows)
    lines.push(
      [r.username, r.displayName, r.email ?? '', r.language, r.url, new Date(r.expiresAt).toISOString()]
        .map(csvCell)
        .join(','),
    );
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
