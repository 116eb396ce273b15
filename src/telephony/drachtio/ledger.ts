/**
 * Counts what a call holds on the servers — FreeSWITCH endpoints and drachtio dialogs toward the
 * PBX — so a leak shows in health and tests can prove every call gave everything back. Keyed, so
 * releasing twice (both legs racing to tear down) is harmless.
 */
export type ResourceKind = 'endpoint' | 'dialog';

export class ResourceLedger {
  private readonly held = { endpoint: new Set<string>(), dialog: new Set<string>() };

  acquire(kind: ResourceKind, id: string): void {
    this.held[kind].add(id);
  }

  release(kind: ResourceKind, id: string): void {
    this.held[kind].delete(id);
  }

  count(kind: ResourceKind): number {
    return this.held[kind].size;
  }
}
