/**
 * List reconciliation, notification bookkeeping and notification actions.
 */
import { INotification } from '../api';
import {
  NotificationTracker,
  notificationView,
  reconcile,
  splitToasts,
  upsert,
  without
} from '../state';

describe('reconcile', () => {
  const a = { id: 1, v: 'a' };
  const b = { id: 2, v: 'b' };

  it('returns the same array when nothing changed', () => {
    const current = [a, b];
    expect(reconcile(current, [{ ...a }, { ...b }])).toBe(current);
  });

  it('keeps unchanged rows and takes changed ones', () => {
    const current = [a, b];
    const changedB = { id: 2, v: 'B' };
    const result = reconcile(current, [{ ...a }, changedB]);
    expect(result).not.toBe(current);
    expect(result[0]).toBe(a);
    expect(result[1]).toBe(changedB);
  });

  it('notices new, removed and reordered rows', () => {
    expect(reconcile([a], [a, b])).toEqual([a, b]);
    expect(reconcile([a, b], [b])).toEqual([b]);
    const swapped = reconcile([a, b], [{ ...b }, { ...a }]);
    expect(swapped).toEqual([b, a]);
    expect(swapped[0]).toBe(b);
  });

  it('upserts and removes', () => {
    expect(upsert([a], b)).toEqual([b, a]);
    expect(upsert([a, b], { id: 2, v: 'x' })).toEqual([a, { id: 2, v: 'x' }]);
    expect(without([a, b], '1')).toEqual([b]);
  });
});

const note = (
  id: number,
  kind: INotification['kind'],
  object: INotification['object'],
  created_at = `2026-11-21T10:0${id}:00Z`
): INotification => ({
  id,
  kind,
  subject: `[atmo_lab] subject ${id}`,
  body: 'body',
  created_at,
  read: false,
  object
});

describe('NotificationTracker', () => {
  it('hands out each notification once, oldest first', () => {
    const tracker = new NotificationTracker();
    const n1 = note(1, 'cluster_expiring', { type: 'cluster', id: 5 });
    const n2 = note(2, 'run_failed', { type: 'run', id: 9 });
    expect(tracker.takeNew([n2, n1]).map(n => n.id)).toEqual([1, 2]);
    expect(tracker.takeNew([n2, n1])).toEqual([]);
    tracker.forget(2);
    expect(tracker.takeNew([n2]).map(n => n.id)).toEqual([2]);
    expect(
      tracker.takeNew([
        { ...note(3, 'job_expired', { type: 'job', id: 1 }), read: true }
      ])
    ).toEqual([]);
  });
});

describe('notificationView', () => {
  it('offers Extend 2 h for an expiring cluster', () => {
    expect(
      notificationView(note(1, 'cluster_expiring', { type: 'cluster', id: 5 }))
    ).toEqual({
      message: 'subject 1',
      type: 'warning',
      actions: [{ kind: 'extend', label: 'Extend 2 h', clusterId: 5, hours: 2 }]
    });
  });

  it('offers Open output for a failed run', () => {
    const byRun = notificationView(
      note(2, 'run_failed', { type: 'run', id: 9 }),
      runId => (runId === 9 ? 4 : null)
    );
    expect(byRun.type).toBe('error');
    expect(byRun.actions).toEqual([
      { kind: 'open-output', label: 'Open output', jobId: 4, runId: 9 }
    ]);
    const byJob = notificationView(
      note(4, 'run_failed', { type: 'job', id: 6 })
    );
    expect(byJob.actions[0]).toMatchObject({ jobId: 6, runId: null });
  });

  it('shows other kinds with a link to their object', () => {
    expect(
      notificationView(note(5, 'cluster_expired', { type: 'cluster', id: 5 }))
        .actions
    ).toEqual([{ kind: 'show-cluster', label: 'Show', clusterId: 5 }]);
    expect(
      notificationView(note(6, 'job_expired', { type: 'job', id: 2 })).actions
    ).toEqual([{ kind: 'show-job', label: 'Show job', jobId: 2 }]);
  });
});

describe('splitToasts', () => {
  it('pops up the newest few and keeps the rest quiet', () => {
    expect(splitToasts([1, 2, 3, 4, 5], 3)).toEqual({
      quiet: [1, 2],
      toasts: [3, 4, 5]
    });
    expect(splitToasts([1], 3)).toEqual({ quiet: [], toasts: [1] });
    expect(splitToasts([], 3)).toEqual({ quiet: [], toasts: [] });
  });
});
