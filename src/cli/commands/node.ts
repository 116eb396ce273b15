/**
 * `fyrkant node list|drain` (issue 19): the node registry as the database has it, and a drain request
 * the node notices on its next heartbeat (it then takes no new calls, lets its calls finish and exits).
 */
import type { Command } from 'commander';
import type { Config } from '../../config/schema';
import { defaultNodeId, NODE_STATUS_TEXT, nodeStatus } from '../../services/nodes/node-view';
import { audit, getNode, listNodes, openStore, requestNodeDrain, type Store } from '../../store';
import type { NodeRow } from '../../store/schema';
import { CliError, loadCliConfig, printJson, withConfigOption } from '../common';

function openFor(config: Config): Store {
  return openStore({ path: config.database.path, busyTimeoutMs: config.database.busyTimeoutMs });
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

function view(row: NodeRow, now: number, leaseMs: number) {
  return { ...row, status: nodeStatus(row, now, leaseMs) };
}

export function register(program: Command): void {
  const node = program
    .command('node')
    .description('the nodes (fyrkant serve processes) sharing this database: list them, drain one');

  withConfigOption(node.command('list'))
    .description('every node: status, addresses, calls in progress, last heartbeat')
    .option('--json', 'print JSON')
    .action((flags: { config?: string; json?: boolean }) => {
      const config = loadCliConfig(flags.config);
      const store = openFor(config);
      try {
        const now = Date.now();
        const leaseMs = config.node.leaseSeconds * 1000;
        const rows = listNodes(store.db).map((r) => view(r, now, leaseMs));
        if (flags.json) return printJson(rows);
        if (rows.length === 0) {
          process.stdout.write('No node has registered yet (fyrkant serve registers itself when it starts).\n');
          return;
        }
        const table = [
          ['NODE', 'STATUS', 'CALLS', 'HTTP', 'SIP', 'PID', 'STARTED', 'HEARTBEAT'],
          ...rows.map((r) => [
            r.id,
            `${r.status} — ${NODE_STATUS_TEXT[r.status].en}`,
            String(r.activeCalls),
            r.httpUrl ?? '-',
            r.sipAddress ?? '-',
            `${r.pid}@${r.hostname}`,
            new Date(r.startedAt).toISOString(),
            ago(now - r.heartbeatAt),
          ]),
        ];
        const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
        for (const row of table)
          process.stdout.write(
            `${row
              .map((c, i) => c.padEnd(widths[i]!))
              .join('  ')
              .trimEnd()}\n`,
          );
      } finally {
        store.close();
      }
    });

  withConfigOption(node.command('drain'))
    .description(
      'ask a node to drain: no new calls (503 + Retry-After, /readyz 503), its calls finish (up to node.drainSeconds), then it exits 0',
    )
    .option('--node <id>', "the node's id (default: this machine's node, node.id or hostname:sip.port)")
    .option('--wait', 'wait until the node has stopped, showing the calls it still has')
    .action(async (flags: { config?: string; node?: string; wait?: boolean }) => {
      const config = loadCliConfig(flags.config);
      const id = flags.node ?? defaultNodeId(config.node, config.sip.port);
      const store = openFor(config);
      try {
        const leaseMs = config.node.leaseSeconds * 1000;
        const row = getNode(store.db, id);
        if (!row) {
          const known = listNodes(store.db).map((n) => n.id);
          throw new CliError(
            `no node "${id}" in the registry${known.length ? ` (known: ${known.join(', ')}); pick one with --node` : '; is fyrkant serve running with this database?'}`,
            1,
          );
        }
        const status = nodeStatus(row, Date.now(), leaseMs);
        if (status === 'stopped' || status === 'lost')
          throw new CliError(`node "${id}" is ${status} (${NODE_STATUS_TEXT[status].en}); nothing to drain`, 1);
        store.db.transaction(() => {
          requestNodeDrain(store.db, id, 'cli', Date.now());
          audit(store.db, { actor: 'cli', action: 'node.drain', target: `node:${id}`, detail: { nodeId: id } });
        });
        process.stdout.write(
          `node ${id}: drain requested; it stops taking calls within ${config.node.heartbeatSeconds} s, lets its ${row.activeCalls} call(s) finish (at most ${config.node.drainSeconds} s) and exits\n`,
        );
        if (flags.wait)
          await waitStopped(store, id, leaseMs, (config.node.drainSeconds + config.node.leaseSeconds) * 1000);
      } finally {
        store.close();
      }
    });
}

/** Polls the node's row (the only shared truth) until it says stopped; progress on each change. */
async function waitStopped(store: Store, id: string, leaseMs: number, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  let last = '';
  for (;;) {
    const row = getNode(store.db, id);
    const status = row ? nodeStatus(row, Date.now(), leaseMs) : 'lost';
    const line = `node ${id}: ${status}${row && status !== 'stopped' ? `, ${row.activeCalls} call(s) in progress` : ''}`;
    if (line !== last) process.stdout.write(`${line}\n`);
    last = line;
    if (status === 'stopped') return;
    if (status === 'lost') throw new CliError(`node ${id} stopped beating before it reported a clean stop`, 1);
    if (Date.now() > until) throw new CliError(`node ${id} has not stopped after ${Math.round(maxMs / 1000)} s`, 1);
    await new Promise((r) => setTimeout(r, 500));
  }
}
