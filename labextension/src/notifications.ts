/**
 * Show the worker's notifications (expiry warnings, failed runs, …) as
 * JupyterLab notifications with an action, and mark them read on the
 * server once shown.
 */
import { Notification } from '@jupyterlab/apputils';

import { INotification, ObjectId } from './api';
import { expiryText } from './format';
import { AtmoModel } from './model';
import {
  NotificationAction,
  NotificationTracker,
  notificationView,
  splitToasts
} from './state';
import { errorMessage } from './utils';

/**
 * At most this many notifications of one poll pop up as toasts; older ones
 * go to the notification center only.
 */
const MAX_TOASTS = 3;

/**
 * What a notification action may ask the application to do.
 */
export interface INotificationHandlers {
  openOutput: (
    jobId: ObjectId | null,
    runId: ObjectId | null
  ) => Promise<unknown>;
}

/**
 * Connects the model's unread notifications to JupyterLab's notifications.
 */
export class NotificationBridge {
  constructor(model: AtmoModel, handlers: INotificationHandlers) {
    this._model = model;
    this._handlers = handlers;
    model.notificationsFetched.connect(this._onFetched, this);
  }

  /**
   * Run a notification action (also used by tests through the command).
   */
  async perform(action: NotificationAction): Promise<void> {
    const model = this._model;
    switch (action.kind) {
      case 'extend':
        try {
          const cluster = await model.extendCluster(
            action.clusterId,
            action.hours
          );
          Notification.success(
            model.trans.__(
              'Cluster %1 extended: it now %2.',
              cluster.identifier,
              expiryText(cluster, Date.now(), model.trans)
            ),
            { autoClose: 5000 }
          );
        } catch (reason) {
          Notification.error(
            model.trans.__(
              'Cannot extend the cluster: %1',
              errorMessage(reason)
            ),
            { autoClose: false }
          );
        }
        return;
      case 'open-output':
        await this._handlers.openOutput(action.jobId, action.runId);
        return;
      case 'show-job':
        model.reveal({ section: 'jobs', id: action.jobId });
        return;
      case 'show-cluster':
        model.reveal({ section: 'clusters', id: action.clusterId });
        return;
    }
  }

  private _onFetched(_: AtmoModel, unread: INotification[]): void {
    const { toasts, quiet } = splitToasts(
      this._tracker.takeNew(unread),
      MAX_TOASTS
    );
    for (const item of quiet) {
      this._show(item, false);
    }
    for (const item of toasts) {
      this._show(item, true);
    }
  }

  private _show(item: INotification, toast: boolean): void {
    const view = notificationView(
      item,
      runId => this._model.jobOfRun(runId),
      this._model.trans
    );
    Notification.emit(view.message, view.type, {
      // 0: kept in the notification center (the bell) without a toast.
      autoClose: toast ? false : 0,
      actions: view.actions.map(action => ({
        label: action.label,
        caption: item.body,
        displayType: 'accent' as const,
        callback: () => {
          void this.perform(action);
        }
      }))
    });
    this._model.markRead(item.id).catch(reason => {
      // Show it again next time rather than lose it.
      console.warn(
        `atmo-lab: cannot mark notification ${item.id} read: ${errorMessage(reason)}`
      );
      this._tracker.forget(item.id);
    });
  }

  private _model: AtmoModel;
  private _handlers: INotificationHandlers;
  private _tracker = new NotificationTracker();
}
