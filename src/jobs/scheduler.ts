/**
 * Scheduled jobs (node-cron) with a last-run record each, so `/readyz`, the admin API and the metrics
 * can say when a job last ran and whether it worked. A job never runs twice at once (`noOverlap`).
 */
import cron, { type ScheduledTask } from 'node-cron';

export interface Job {
  readonly name: string;
  /** Cron expression; six fields allowed (seconds first). */
  readonly schedule: string;
  /**
   * What it did, in one line for the log and the status (e.g. `expired 3 links`). A report with
   * `didWork: false` is an idle run: kept in the status, logged at debug only, so a quiet server
   * has a quiet log at info level.
   */
  readonly run: () => Promise<JobOutput> | JobOutput;
}

export type JobOutput = string | undefined | { readonly detail: string; readonly didWork: boolean };

export interface JobStatus {
  readonly name: string;
  readonly schedule: string;
  readonly runs: number;
  readonly lastStartedAt: number | null;
  readonly lastFinishedAt: number | null;
  readonly lastOk: boolean | null;
  readonly lastDetail: string | null;
  readonly lastError: string | null;
  readonly running: boolean;
}

export interface JobLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface JobHooks {
  readonly onRun?: (name: string, ok: boolean, finishedAt: number) => void;
}

export class JobScheduler {
  private readonly jobs = new Map<string, { job: Job; status: JobStatus; task?: ScheduledTask }>();

  constructor(
    private readonly log: JobLogger,
    private readonly hooks: JobHooks = {},
  ) {}

  add(job: Job): void {
    if (!cron.validate(job.schedule)) throw new Error(`job ${job.name}: invalid cron expression '${job.schedule}'`);
    this.jobs.set(job.name, {
      job,
      status: {
        name: job.name,
        schedule: job.schedule,
        runs: 0,
        lastStartedAt: null,
        lastFinishedAt: null,
        lastOk: null,
        lastDetail: null,
        lastError: null,
        running: false,
      },
    });
  }

  start(): void {
    for (const entry of this.jobs.values()) {
      if (entry.task) continue;
      entry.task = cron.schedule(entry.job.schedule, () => this.runNow(entry.job.name), {
        name: entry.job.name,
        noOverlap: true,
      });
    }
  }

  async stop(): Promise<void> {
    for (const entry of this.jobs.values()) {
      if (!entry.task) continue;
      await entry.task.stop();
      await entry.task.destroy();
      entry.task = undefined;
    }
  }

  /** Runs a job now (the schedule calls this too); never throws, the error goes to the status. */
  async runNow(name: string): Promise<JobStatus> {
    const entry = this.jobs.get(name);
    if (!entry) throw new Error(`no job named ${name}`);
    if (entry.status.running) return entry.status;
    const startedAt = Date.now();
    entry.status = { ...entry.status, running: true, lastStartedAt: startedAt };
    let ok = true;
    let detail: string | null = null;
    let error: string | null = null;
    const previousError = entry.status.lastOk === false ? entry.status.lastError : null;
    try {
      const out = await entry.job.run();
      const report = typeof out === 'object' ? out : { detail: out ?? null, didWork: true };
      detail = report.detail;
      const fields = { job: name, ms: Date.now() - startedAt, detail };
      if (previousError !== null) this.log.info(fields, 'job recovered');
      else if (report.didWork) this.log.info(fields, 'job ran');
      else this.log.debug(fields, 'job ran');
    } catch (err) {
      ok = false;
      error = err instanceof Error ? err.message : String(err);
      // The same failure every minute is one log line, not sixty an hour: repeats go to debug.
      if (error === previousError) this.log.debug({ job: name, err: error }, 'job still failing');
      else this.log.error({ job: name, err: error }, 'job failed');
    }
    const finishedAt = Date.now();
    entry.status = {
      ...entry.status,
      running: false,
      runs: entry.status.runs + 1,
      lastFinishedAt: finishedAt,
      lastOk: ok,
      lastDetail: detail,
      lastError: error,
    };
    this.hooks.onRun?.(name, ok, finishedAt);
    return entry.status;
  }

  status(): JobStatus[] {
    return [...this.jobs.values()].map((e) => e.status);
  }
}
