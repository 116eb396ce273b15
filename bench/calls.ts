/**
 * Call benchmark: `npm run bench:calls -- --calls N --seconds S [--rate R] [--sipp K] [--keep]`.
 *
 * N concurrent calls on loopback from fyrkant's embedded backend (a separate, measured process) to
 * K sipp UAS instances. Each call streams a prompt for S seconds; then sipp plays the shipped
 * RFC 2833 '#' pcap, fyrkant hears it and hangs up. dumpcap captures the RTP that reaches sipp, and
 * the send-interval deviation is measured from that capture (the receiving side). Prints JSON.
 * Needs root (sipp's play_pcap_audio, dumpcap on lo). Not part of `npm test`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { WorkerInput } from './fyrkant-worker';
import { rtpIntervalStats } from './pcap';
import { poundUasScenario, waitExit } from './sipp-pound-uas';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '100' },
      seconds: { type: 'string', default: '30' },
      rate: { type: 'string' },
      sipp: { type: 'string' },
      keep: { type: 'boolean', default: false },
      // Media worker threads (config media.workers): 'auto' = one per core, 0 = media in the main thread.
      'media-workers': { type: 'string', default: 'auto' },
      // Real-time scheduling for the measured process (as a media server is deployed); needs root.
      rt: { type: 'boolean', default: process.getuid?.() === 0 },
      'no-rt': { type: 'boolean', default: false },
    },
  });
  const loadAverageAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const calls = Number(values.calls);
  const seconds = Number(values.seconds);
  const rate = Number(values.rate ?? Math.min(75, Math.max(20, Math.ceil(calls / 10))));
  const sippCount = Number(values.sipp ?? Math.max(1, Math.ceil(calls / 500)));
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-bench-'));
  // With --rt the peers (sipp, dumpcap) also run real-time, one notch below fyrkant: on a shared
  // machine other load must not starve the far end and make fyrkant look slow.
  const rt = values.rt && !values['no-rt'];
  const rtSpawn = (cmd: string, args: string[], prio: number) =>
    rt ? (['chrt', ['-f', String(prio), cmd, ...args]] as const) : ([cmd, args] as const);
  const basePort = 30000 + Math.floor(Math.random() * 1000) * 10;
  const children: ChildProcess[] = [];
  try {
    const prompt = join(dir, 'prompt.wav');
    execFileSync('sox', [
      '-R',
      '-n',
      '-r',
      '8000',
      '-c',
      '1',
      '-b',
      '16',
      prompt,
      'synth',
      String(seconds + 30),
      'sine',
      '300-3000',
      'vol',
      '0.3',
    ]);
    const scenario = join(dir, 'uas.xml');
    writeFileSync(scenario, poundUasScenario('bench', seconds * 1000));

    // sipp UAS instances: SIP on basePort+i, media (where our RTP goes) on basePort+100+10i.
    const targets: string[] = [];
    const mediaPorts: number[] = [];
    for (let i = 0; i < sippCount; i++) {
      const port = basePort + i;
      const mp = basePort + 100 + 10 * i; // sipp also binds mp+1..mp+3 (RTCP, video)
      const share = Math.ceil(calls / sippCount);
      const [sippCmd, sippArgs] = rtSpawn(
        'sipp',
        [
          '-sf',
          scenario,
          '-i',
          '127.0.0.1',
          '-p',
          String(port),
          '-mi',
          '127.0.0.1',
          '-mp',
          String(mp),
          '-m',
          String(share),
          // No sipp retransmissions: loopback loses nothing, and under load a late 200 retransmission
          // makes us ACK twice, which this linear scenario cannot absorb.
          '-nr',
          '-nostdin',
          '-timeout',
          `${seconds + 120}s`,
          '-trace_err',
          '-error_file',
          join(dir, `sipp-${i}-errors.log`),
        ],
        40,
      );
      const sipp = spawn(sippCmd, sippArgs, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(sipp);
      targets.push(`sip:127.0.0.1:${port}`);
      mediaPorts.push(mp);
    }
    const capture = join(dir, 'rtp.pcap');
    const filter = mediaPorts.map((p) => `dst port ${p}`).join(' or ');
    const [dumpCmd, dumpArgs] = rtSpawn(
      'dumpcap',
      ['-i', 'lo', '-P', '-s', '64', '-B', '256', '-f', `udp and (${filter})`, '-w', capture],
      30,
    );
    const dumpcap = spawn(dumpCmd, dumpArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    let dumpcapErr = '';
    dumpcap.stderr?.on('data', (d: Buffer) => {
      dumpcapErr += d.toString();
    });
    children.push(dumpcap);
    await new Promise((r) => setTimeout(r, 1500));

    const input: WorkerInput = {
      calls,
      seconds,
      rate,
      targets,
      prompt,
      rtpPortMin: 40000,
      rtpPortMax: Math.min(65000, 40000 + calls * 4 + 200),
      mediaWorkers: values['media-workers'] === 'auto' ? availableParallelism() : Number(values['media-workers']),
    };
    const rt = values.rt && !values['no-rt'];
    // A larger young generation makes scavenges (the main source of send-interval outliers) rarer.
    const extraNodeArgs = (process.env.BENCH_NODE_ARGS ?? '--max-semi-space-size=64').split(' ').filter(Boolean);
    const nodeArgs = [
      ...extraNodeArgs,
      '--expose-gc',
      '--import',
      'tsx',
      resolve(__dirname, 'fyrkant-worker.ts'),
      JSON.stringify(input),
    ];
    const worker = rt
      ? spawn('chrt', ['-f', '50', process.execPath, ...nodeArgs], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(worker);
    let out = '';
    worker.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await waitExit(worker);
    if (code !== 0) throw new Error(`worker exited with ${code}`);
    await new Promise((r) => setTimeout(r, 500));
    dumpcap.kill('SIGINT');
    await waitExit(dumpcap);
    if (process.env.BENCH_WORKER_LOG) writeFileSync(process.env.BENCH_WORKER_LOG, out);
    const fyrkant = JSON.parse(out.trim().split('\n').pop()!);
    const interval = existsSync(capture) ? rtpIntervalStats(capture, 0) : null;
    // dumpcap ends with e.g. "Packets received/dropped on interface 'Loopback: lo': 9930/0 (pcap:0/...) (100.0%)".
    const drops = /received\/dropped on interface .*?':\s*\d+\/(\d+)/i.exec(dumpcapErr)?.[1];
    const result = {
      machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
      params: {
        calls,
        seconds,
        rate,
        sippInstances: sippCount,
        scheduling: rt ? 'SCHED_FIFO 50 (chrt)' : 'normal',
        mediaWorkers: input.mediaWorkers,
        nodeArgs: extraNodeArgs,
      },
      loadAverageAtStart,
      loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
      ...fyrkant,
      rtpSendIntervalDeviationMs: interval
        ? { ...interval, captureDropped: drops === undefined ? null : Number(drops) }
        : null,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (values.keep) process.stderr.write(`kept ${dir}\n`);
    for (let i = 0; i < sippCount; i++) {
      const f = join(dir, `sipp-${i}-errors.log`);
      if (existsSync(f)) {
        // The scenario's timed wait ends in a "receive timeout ... jumping to label" note by design.
        const text = readFileSync(f, 'utf8')
          .split(/(?=\d{4}-\d\d-\d\d\t)/)
          .filter(
            (l) => l.trim() && !/receive timeout on message .* jumping to label/.test(l) && !/events occurred/.test(l),
          )
          .join('\n')
          .trim();
        if (text) process.stderr.write(`sipp ${i} errors:\n${text.slice(0, 2000)}\n`);
      }
    }
  } finally {
    for (const c of children) if (c.exitCode === null && c.pid) c.kill('SIGTERM');
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
