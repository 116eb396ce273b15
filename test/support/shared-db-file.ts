/**
 * One SQLite file per test, opened by several connections as the nodes of one site open it. Call at
 * the top of a test file: it registers its own beforeEach/afterEach (a fresh temp dir per test; every
 * connection closed and the dir removed after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store';

export interface SharedDbFile {
  /** The database file of the current test. */
  readonly path: string;
  /** A connection of its own to the file, as a node process has. */
  open(): Store;
}

export function sharedDbFile(prefix: string): SharedDbFile {
  let dir = '';
  const stores: Store[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get path() {
      return join(dir, 'fyrkant.db');
    },
    open() {
      const s = openStore({ path: join(dir, 'fyrkant.db') });
      stores.push(s);
      return s;
    },
  };
}
