/**
 * Pure state helpers of the sidebar model: list reconciliation (keep the
 * identity of unchanged rows so React re-renders only what changed), the
 * bookkeeping of shown notifications, and what a notification offers.
 */
import { TranslationBundle, nullTranslator } from '@jupyterlab/translation';

import { INotification, ObjectId } from './api';
import { DOMAIN } from './format';

/**
 * The hours that a cluster-expiring toast's action adds.
 */
export const EXTEND_HOURS = 2;

/**
 * Reconcile a freshly fetched list with the current one.
 *
 * Items equal (as JSON) to the current item with the same id keep their old
 * object; when nothing changed at all the old array itself is returned, so
 * a caller can compare with `===` to know whether to emit a change.
 *
 * @param current The list shown now
 * @param fresh The list just fetched (its order wins)
 * @returns The list to show
 */
export function reconcile<T extends { id: ObjectId }>(
  current: ReadonlyArray<T>,
  fresh: ReadonlyArray<T>
): ReadonlyArray<T> {
  const byId = new Map<string, T>();
  for (const item of current) {
    byId.set(String(item.id), item);
  }
  let changed = current.length !== fresh.length;
  const result = fresh.map((item, index) => {
    const old = byId.get(String(item.id));
    if (old !== undefined && JSON.stringify(old) === JSON.stringify(item)) {
      if (current[index] !== old) {
        changed = true;
      }
      return old;
    }
    changed = true;
    return item;
  });
  return changed ? result : current;
}

/**
 * Replace (or prepend) one item of a list, e.g. with a POST's answer.
 */
export function upsert<T extends { id: ObjectId }>(
  list: ReadonlyArray<T>,
  item: T
): ReadonlyArray<T> {
  const index = list.findIndex(i => String(i.id) === String(item.id));
  if (index === -1) {
    return [item, ...list];
  }
  const copy = [...list];
  copy[index] = item;
  return copy;
}

/**
 * Remove one item of a list by id.
 */
export function without<T extends { id: ObjectId }>(
  list: ReadonlyArray<T>,
  id: ObjectId
): ReadonlyArray<T> {
  return list.filter(i => String(i.id) !== String(id));
}

/**
 * Remembers which server notifications were shown, so that one fetched
 * twice (e.g. before its "read" mark landed) is shown once.
 */
export class NotificationTracker {
  /**
   * The notifications of `unread` not shown yet, oldest first (the order
   * in which they happened), and remember them as shown.
   */
  takeNew(unread: ReadonlyArray<INotification>): INotification[] {
    const fresh = unread.filter(n => !n.read && !this._shown.has(String(n.id)));
    for (const n of fresh) {
      this._shown.add(String(n.id));
    }
    return fresh.sort(
      (a, b) => Date.parse(a.created_at) - Date.parse(b.created_at)
    );
  }

  /**
   * Forget a notification (e.g. when marking it read failed, to retry).
   */
  forget(id: ObjectId): void {
    this._shown.delete(String(id));
  }

  private _shown = new Set<string>();
}

/**
 * Split new notifications (oldest first) into the newest `max`, shown as
 * toasts, and the older rest, which only go to JupyterLab's notification
 * center (the bell), so that a backlog never floods the screen.
 */
export function splitToasts<T>(
  fresh: ReadonlyArray<T>,
  max: number
): { toasts: T[]; quiet: T[] } {
  const cut = Math.max(0, fresh.length - max);
  return { quiet: fresh.slice(0, cut), toasts: fresh.slice(cut) };
}

/**
 * What the toast of a notification offers.
 */
export type NotificationAction =
  | { kind: 'extend'; label: string; clusterId: ObjectId; hours: number }
  | {
      kind: 'open-output';
      label: string;
      jobId: ObjectId | null;
      runId: ObjectId | null;
    }
  | { kind: 'show-job'; label: string; jobId: ObjectId }
  | { kind: 'show-cluster'; label: string; clusterId: ObjectId };

/**
 * How a notification is shown: its toast type and its actions.
 */
export interface INotificationView {
  message: string;
  type: 'info' | 'warning' | 'error';
  actions: NotificationAction[];
}

/**
 * The job id a notification refers to: the object's id when it is a job,
 * else null.
 */
function jobIdOf(n: INotification): ObjectId | null {
  return n.object.type === 'job' ? n.object.id : null;
}

/**
 * Decide how to show a server notification.
 *
 * @param n The notification
 * @param findJobOfRun Looks up the job whose runs include a run id (the
 *   sidebar knows each job's latest run), for notifications about a run
 * @param trans The translation bundle of the action labels
 */
export function notificationView(
  n: INotification,
  findJobOfRun: (runId: ObjectId) => ObjectId | null = () => null,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): INotificationView {
  const message = n.subject.replace(/^\[atmo_lab\]\s*/, '');
  switch (n.kind) {
    case 'cluster_expiring':
      return {
        message,
        type: 'warning',
        actions: [
          {
            kind: 'extend',
            label: trans.__('Extend %1 h', EXTEND_HOURS),
            clusterId: n.object.id,
            hours: EXTEND_HOURS
          }
        ]
      };
    case 'cluster_expired':
      return {
        message,
        type: 'info',
        actions: [
          {
            kind: 'show-cluster',
            label: trans.__('Show'),
            clusterId: n.object.id
          }
        ]
      };
    case 'run_failed':
    case 'run_timed_out': {
      const runId = n.object.type === 'run' ? n.object.id : null;
      const jobId = runId !== null ? findJobOfRun(runId) : jobIdOf(n);
      return {
        message,
        type: 'error',
        actions: [
          { kind: 'open-output', label: trans.__('Open output'), jobId, runId }
        ]
      };
    }
    case 'job_expired': {
      const jobId = jobIdOf(n);
      return {
        message,
        type: 'info',
        actions:
          jobId === null
            ? []
            : [{ kind: 'show-job', label: trans.__('Show job'), jobId }]
      };
    }
    default:
      return { message, type: 'info', actions: [] };
  }
}
