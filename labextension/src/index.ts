import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ICluster, IJob, ObjectId, getConfig } from './api';
import { atmoIcon, scheduleIcon } from './icons';
// The model, the sidebar and the notification bridge are created in
// activate(): the sidebar's tab must exist when the layout is restored.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { AtmoModel } from './model';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { NotificationBridge } from './notifications';
import type { ScheduleTarget } from './schedule';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { AtmoSidebar } from './sidebar';
import { connectedMessage, errorMessage, refreshIntervalMs } from './utils';

export * from './api';
export { AtmoApiError, apiUrl, requestAPI } from './request';
export {
  connectedMessage,
  errorMessage,
  refreshIntervalMs,
  withQuery
} from './utils';

/**
 * The id of the main atmo-lab plugin (and of its settings schema).
 */
export const PLUGIN_ID = 'atmo-lab:plugin';

/**
 * The command ids of atmo-lab.
 */
export namespace CommandIDs {
  export const open = 'atmo-lab:open';
  export const launchCluster = 'atmo-lab:launch-cluster';
  export const addKey = 'atmo-lab:add-key';
  export const scheduleNotebook = 'atmo-lab:schedule-notebook';
  export const scheduleFile = 'atmo-lab:schedule-file';
  export const openOutput = 'atmo-lab:open-output';
  export const refresh = 'atmo-lab:refresh';
}

/**
 * A status-bar item "AWS: local emulator" when the server talks to an emulator (the demo).
 */
async function addEmulatorStatus(
  statusBar: IStatusBar,
  serverSettings: Parameters<typeof getConfig>[0],
  trans: TranslationBundle
): Promise<void> {
  try {
    const config = await getConfig(serverSettings);
    if (!config.is_local_emulator) {
      return;
    }
    const item = new Widget();
    item.addClass('atmo-EmulatorStatus');
    item.node.textContent = trans.__('AWS: local emulator');
    item.node.title = trans.__(
      'atmo_lab sends AWS calls to %1; nothing runs on real AWS.',
      config.aws_endpoint
    );
    statusBar.registerStatusItem('atmo-lab:emulator', {
      item,
      align: 'left',
      rank: 900
    });
  } catch {
    // the sidebar reports connection problems
  }
}

/**
 * Initialization data for the atmo-lab extension.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'The atmo_lab sidebar (EMR clusters, scheduled notebooks, SSH keys) and "Schedule this notebook".',
  autoStart: true,
  optional: [
    ISettingRegistry,
    ILayoutRestorer,
    ICommandPalette,
    INotebookTracker,
    IFileBrowserFactory,
    IStatusBar,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    notebooks: INotebookTracker | null,
    fileBrowsers: IFileBrowserFactory | null,
    statusBar: IStatusBar | null,
    translator: ITranslator | null
  ): void => {
    const { commands, serviceManager, shell } = app;
    const model = new AtmoModel({
      serverSettings: serviceManager.serverSettings,
      refreshMs: refreshIntervalMs(undefined),
      translator
    });
    const trans = model.trans;
    if (statusBar) {
      void addEmulatorStatus(statusBar, serviceManager.serverSettings, trans);
    }

    const showSidebar = (): void => {
      shell.activateById(sidebar.id);
    };

    const openOutput = async (
      jobId: ObjectId | null,
      runId: ObjectId | null
    ): Promise<string | null> => {
      const { openRunOutput } = await import('./outputs');
      return openRunOutput(app, model, jobId, runId);
    };

    const addKey = async (): Promise<void> => {
      showSidebar();
      model.reveal({ section: 'keys' });
      const { openAddKeyDialog } = await import('./keys');
      await openAddKeyDialog(model);
    };

    const launchCluster = async (): Promise<void> => {
      const { openLaunchDialog } = await import('./clusters');
      const cluster = await openLaunchDialog(model, () => void addKey());
      if (cluster) {
        showSidebar();
        model.reveal({ section: 'clusters', id: cluster.id });
        Notification.success(
          trans.__(
            'Cluster %1 launched (%2).',
            cluster.identifier,
            cluster.status.toLowerCase()
          ),
          { autoClose: 5000 }
        );
      }
    };

    const editJob = async (job: IJob): Promise<void> => {
      const config = model.config;
      if (!config) {
        return;
      }
      const { openScheduleDialog } = await import('./schedule');
      const saved = await openScheduleDialog(model, config, {
        kind: 'edit',
        job
      });
      if (saved) {
        Notification.success(trans.__('Saved the job %1.', saved.identifier), {
          autoClose: 4000
        });
      }
    };

    const connectSpark = async (cluster: ICluster): Promise<void> => {
      const { insertConnectCell } = await import('./spark');
      if (insertConnectCell(notebooks, cluster.identifier, trans)) {
        Notification.info(
          trans.__(
            'Run the new cell to connect to Spark on %1.',
            cluster.identifier
          ),
          { autoClose: 4000 }
        );
      }
    };

    const sidebar = new AtmoSidebar(model, {
      launchCluster: () => void launchCluster(),
      connectSpark: cluster => void connectSpark(cluster),
      addKey: () => void addKey(),
      editJob: job => void editJob(job),
      openOutput
    });
    shell.add(sidebar, 'left', { rank: 850 });
    if (restorer) {
      restorer.add(sidebar, 'atmo-lab-sidebar');
    }

    new NotificationBridge(model, { openOutput });

    /**
     * Schedule a notebook: ask (the server reads its parameters), save, POST.
     */
    const schedule = async (
      path: string,
      panel: NotebookPanel | null
    ): Promise<void> => {
      if (!model.config) {
        await model.refresh();
      }
      const config = model.config;
      if (!config) {
        Notification.error(
          trans.__(
            'atmo_lab is not reachable: %1',
            model.errors.config || trans.__('no answer')
          ),
          { autoClose: 6000 }
        );
        return;
      }
      const target: ScheduleTarget = {
        kind: 'create',
        notebookPath: serviceManager.contents.localPath(path),
        beforeSubmit: panel
          ? async () => {
              // The server reads the saved file: save what is on screen.
              await panel.context.save();
            }
          : undefined
      };
      const { openScheduleDialog } = await import('./schedule');
      const job = await openScheduleDialog(model, config, target);
      if (!job) {
        return;
      }
      const { scheduleText } = await import('./format');
      Notification.success(
        trans.__('Scheduled %1: %2.', job.identifier, scheduleText(job, trans)),
        {
          autoClose: 10000,
          actions: [
            {
              label: trans.__('Open job'),
              callback: () => {
                showSidebar();
                model.reveal({ section: 'jobs', id: job.id });
              }
            }
          ]
        }
      );
    };

    const noArgs = { args: { type: 'object' as const, properties: {} } };
    commands.addCommand(CommandIDs.open, {
      describedBy: noArgs,
      label: trans.__('Open the atmo_lab sidebar'),
      icon: atmoIcon,
      execute: showSidebar
    });
    commands.addCommand(CommandIDs.refresh, {
      describedBy: noArgs,
      label: trans.__('Refresh atmo_lab'),
      execute: () => model.refresh()
    });
    commands.addCommand(CommandIDs.launchCluster, {
      describedBy: noArgs,
      label: trans.__('Launch an EMR cluster…'),
      icon: atmoIcon,
      execute: () => launchCluster()
    });
    commands.addCommand(CommandIDs.addKey, {
      describedBy: noArgs,
      label: trans.__('Add an SSH key…'),
      execute: () => addKey()
    });
    commands.addCommand(CommandIDs.scheduleNotebook, {
      describedBy: {
        args: {
          type: 'object',
          properties: {
            toolbar: { type: 'boolean', description: 'Shown in a toolbar' }
          }
        }
      },
      label: args =>
        args.toolbar
          ? trans.__('Schedule')
          : trans.__('Schedule this notebook…'),
      caption: trans.__(
        'Schedule this notebook: run it every day, week, month or on a cron schedule'
      ),
      icon: scheduleIcon,
      isEnabled: () =>
        notebooks?.currentWidget !== null &&
        notebooks?.currentWidget !== undefined,
      execute: async () => {
        const panel = notebooks?.currentWidget ?? null;
        if (!panel) {
          return;
        }
        await schedule(panel.context.path, panel);
      }
    });
    commands.addCommand(CommandIDs.scheduleFile, {
      describedBy: noArgs,
      label: trans.__('Schedule notebook…'),
      icon: scheduleIcon,
      isVisible: () => {
        const item = fileBrowsers?.tracker.currentWidget
          ?.selectedItems()
          .next();
        return Boolean(
          item && !item.done && item.value.path.endsWith('.ipynb')
        );
      },
      execute: async () => {
        const item = fileBrowsers?.tracker.currentWidget
          ?.selectedItems()
          .next();
        if (!item || item.done) {
          return;
        }
        const path = item.value.path;
        const panel = notebooks?.find(p => p.context.path === path) ?? null;
        await schedule(path, panel);
      }
    });
    commands.addCommand(CommandIDs.openOutput, {
      describedBy: {
        args: {
          type: 'object',
          properties: {
            jobId: { type: ['number', 'string'], description: 'The job' },
            runId: {
              type: ['number', 'string'],
              description: 'The run (default: the latest)'
            }
          }
        }
      },
      label: trans.__('Open the output of a scheduled notebook'),
      execute: args =>
        openOutput(
          (args.jobId as ObjectId | undefined) ?? null,
          (args.runId as ObjectId | undefined) ?? null
        )
    });

    // Keep the toolbar button and the palette entry's enabled state current.
    notebooks?.currentChanged.connect(() => {
      commands.notifyCommandChanged(CommandIDs.scheduleNotebook);
    });

    if (palette) {
      const category = 'atmo_lab';
      for (const command of [
        CommandIDs.open,
        CommandIDs.launchCluster,
        CommandIDs.addKey,
        CommandIDs.scheduleNotebook,
        CommandIDs.refresh
      ]) {
        palette.addItem({ command, category, args: { isPalette: true } });
      }
    }

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const apply = (): void => {
            model.refreshMs = refreshIntervalMs(
              settings.get('refreshInterval').composite
            );
            model.setShowEveryone(
              settings.get('showEveryone').composite === true
            );
          };
          apply();
          settings.changed.connect(apply);
          // The switch is the setting: a maintainer's choice is kept.
          model.showEveryoneChanged.connect((_, value) => {
            if (
              model.canShowEveryone &&
              settings.get('showEveryone').composite !== value
            ) {
              settings.set('showEveryone', value).catch(reason => {
                console.warn(
                  `atmo-lab: cannot save showEveryone: ${errorMessage(reason)}`
                );
              });
            }
          });
        })
        .catch(reason => {
          console.error(
            `atmo-lab: failed to load settings: ${errorMessage(reason)}`
          );
        });
    }

    // Not awaited: JupyterLab's start-up must not wait for this request.
    getConfig(serviceManager.serverSettings)
      .then(config => {
        console.log(connectedMessage(config));
      })
      .catch(reason => {
        console.error(
          `atmo-lab: cannot reach the atmo_lab server extension: ${errorMessage(reason)}`
        );
      });
  }
};

export default plugin;
