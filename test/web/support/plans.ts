/** Scripted attempts for the UI tests (what the verification service would record for a real call). */
import { busyTrace, verifiedTrace } from '../trace-fixtures';
import type { ScriptedStep } from './scripted-actions';

const shift = (events: ReturnType<typeof verifiedTrace>) => {
  const now = Date.now();
  const t0 = events[0]?.at ?? 0;
  return events.map((e) => ({ ...e, at: now + (e.at - t0) }));
};

export function verifiedPlan(stepMs = 150): ScriptedStep[] {
  const trace = shift(verifiedTrace());
  return [
    { waitMs: stepMs, to: 'dialling', trace: trace.slice(0, 3) },
    { waitMs: stepMs, to: 'ringing', trace: trace.slice(3, 4) },
    { waitMs: stepMs, to: 'answered', trace: trace.slice(4, 6) },
    { waitMs: stepMs, trace: trace.slice(6, 12) },
    { waitMs: stepMs, to: 'ended', outcome: 'approved', trace: trace.slice(12) },
  ];
}

export function busyPlan(stepMs = 150): ScriptedStep[] {
  const trace = shift(busyTrace());
  return [
    { waitMs: stepMs, to: 'dialling', trace: trace.slice(0, 2) },
    { waitMs: stepMs, to: 'ended', outcome: 'busy', sipStatus: 486, sipReason: 'Busy Here', trace: trace.slice(2) },
  ];
}
