/**
 * What the admin's script pages need (issue 15): the script service's operations, as the web layer
 * sees them. The composition root passes the real `ScriptService`; nothing here holds rules.
 */
import type { ScriptService } from '../services/scripts/service';

export type ScriptEditorPort = Pick<
  ScriptService,
  | 'list'
  | 'detail'
  | 'validate'
  | 'save'
  | 'versions'
  | 'version'
  | 'versionByHash'
  | 'diffAgainstRunning'
  | 'rollback'
  | 'uploadRecording'
  | 'removeRecording'
  | 'promptWav'
  | 'simulate'
  | 'uploadLimits'
>;

export type ScriptListItem = ReturnType<ScriptService['list']>[number];
export type ScriptDetailView = NonNullable<ReturnType<ScriptService['detail']>>;
export type ScriptVersionView = NonNullable<ReturnType<ScriptService['versions']>>[number];

/** The editor's "Test call" running the draft (issue 15); absent = the page shows no test-call form. */
export type ScriptTestCallPort = import('../services/scripts/test-call').DraftTestCalls;
