import { execFileSync } from 'node:child_process';

/**
 * Fails (never skips) when a tool a test needs is missing, saying how to install it.
 * `npm test` installs them as root through scripts/ensure-test-deps.sh.
 */
export function requireTool(binary: string, debianPackage: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`This test needs '${binary}'. Install it with: sudo apt-get install -y ${debianPackage}`);
  }
}
