/** Identifiers: branches (RFC 3261 §8.1.1.7), tags (§19.3), Call-IDs (§8.1.1.4). */
import { randomBytes } from 'node:crypto';
import { BRANCH_MAGIC } from '../message';

export function newBranch(): string {
  return BRANCH_MAGIC + randomBytes(10).toString('hex');
}

export function newTag(): string {
  return randomBytes(6).toString('hex');
}

export function newCallId(host: string): string {
  return `${randomBytes(12).toString('hex')}@${host}`;
}
