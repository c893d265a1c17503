import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { getConfig } from './api';
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
 * Initialization data for the atmo-lab extension.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Connects JupyterLab to the atmo_lab server extension: self-service EMR clusters and scheduled notebooks.',
  autoStart: true,
  optional: [ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null
  ): void => {
    const serverSettings = app.serviceManager.serverSettings;

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const report = (): void => {
            const ms = refreshIntervalMs(
              settings.get('refreshInterval').composite
            );
            console.debug(`atmo-lab: refresh interval ${ms / 1000} s`);
          };
          report();
          settings.changed.connect(report);
        })
        .catch(reason => {
          console.error(
            `atmo-lab: failed to load settings: ${errorMessage(reason)}`
          );
        });
    }

    // Not awaited: JupyterLab's start-up must not wait for this request.
    getConfig(serverSettings)
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
