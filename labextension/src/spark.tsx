/**
 * Spark on a cluster: its Connect state in the sidebar, and the Connect action that inserts
 * the connecting cell into the active notebook.
 */
import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ICluster } from './api';
import { CopyButton } from './components';

/**
 * The Spark fields of a cluster (the server computes them; the sidebar only shows them).
 */
export interface ISparkFields {
  /** `sc://host:port`, with `/;token=…` where the endpoint checks one */
  spark_connect_url?: string | null;
  spark_version?: string | null;
  /** one `ssh -N -L …` command forwarding the master's ports */
  ssh_tunnel?: string | null;
}

export function sparkFields(cluster: ICluster): ISparkFields {
  return cluster as ICluster & ISparkFields;
}

/**
 * The endpoint as it may be shown: without its token.
 */
export function shownEndpoint(url: string): string {
  return url.split('/;')[0];
}

/**
 * The cell that connects a notebook to a cluster's Spark.
 */
export function connectCode(identifier: string): string {
  return `import atmo_lab\nspark = atmo_lab.spark(${JSON.stringify(identifier)})`;
}

/**
 * Insert the connecting cell below the active cell of the current notebook (and select it).
 */
export function insertConnectCell(
  notebooks: INotebookTracker | null,
  identifier: string,
  trans: TranslationBundle
): boolean {
  const panel = notebooks?.currentWidget;
  if (!panel || !panel.content.model) {
    Notification.warning(
      trans.__(
        'Open a notebook first: Connect inserts a cell that connects it to %1.',
        identifier
      ),
      { autoClose: 6000 }
    );
    return false;
  }
  const notebook = panel.content;
  if (notebook.activeCell) {
    NotebookActions.insertBelow(notebook);
  } else {
    notebook.model!.sharedModel.insertCell(0, {
      cell_type: 'code',
      source: ''
    });
    notebook.activeCellIndex = 0;
  }
  const cell = notebook.activeCell;
  if (cell) {
    if (cell.model.type !== 'code') {
      NotebookActions.changeCellType(notebook, 'code');
    }
    notebook.activeCell!.model.sharedModel.setSource(connectCode(identifier));
  }
  panel.activate();
  return true;
}

/**
 * The Spark rows of an expanded cluster: state, endpoint, Connect, the SSH tunnel.
 */
export function SparkDetails(props: {
  cluster: ICluster;
  /** absent for someone else's cluster (`atmo_lab.spark` connects to your own) */
  onConnect?: (cluster: ICluster) => void;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { cluster, trans } = props;
  const spark = sparkFields(cluster);
  const url = spark.spark_connect_url;
  const serving = cluster.is_active && cluster.status !== 'TERMINATING';
  return (
    <>
      {serving ? (
        <>
          <dt>{trans.__('Spark')}</dt>
          <dd className="atmo-Spark" data-spark-ready={url ? 'true' : 'false'}>
            <span className="atmo-SparkState">
              {url ? trans.__('Spark ready') : trans.__('starting Spark…')}
            </span>
            {url ? <code>{shownEndpoint(url)}</code> : null}
            {props.onConnect ? (
              <button
                type="button"
                className="jp-Button jp-mod-styled jp-mod-accept atmo-SmallButton"
                aria-label={trans.__(
                  'Connect the current notebook to %1',
                  cluster.identifier
                )}
                title={trans.__(
                  "Insert a cell that connects the current notebook to this cluster's Spark"
                )}
                onClick={() => props.onConnect?.(cluster)}
              >
                {trans.__('Connect')}
              </button>
            ) : null}
          </dd>
        </>
      ) : null}
      {spark.ssh_tunnel ? (
        <>
          <dt>{trans.__('SSH tunnel')}</dt>
          <dd className="atmo-Command">
            <code>{spark.ssh_tunnel}</code>
            <CopyButton
              text={spark.ssh_tunnel}
              label={trans.__(
                'Copy the SSH tunnel command of %1',
                cluster.identifier
              )}
              trans={trans}
            />
          </dd>
        </>
      ) : null}
    </>
  );
}
