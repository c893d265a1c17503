/**
 * The atmo_lab sidebar: clusters, scheduled notebooks and SSH keys.
 */
import { Tab, TabPanel, Tabs } from '@jupyter/react-components';
import {
  ReactWidget,
  ToolbarButtonComponent,
  refreshIcon
} from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { ICluster, IJob, ObjectId } from './api';
import { ClustersSection } from './clusters';
import { ErrorMessage, ToolkitSwitch, useSignal } from './components';
import { listCountText } from './format';
import { atmoIcon } from './icons';
import { JobsSection } from './jobs';
import { KeysSection } from './keys';
import { AtmoModel, IRevealRequest, Section } from './model';

/**
 * What the sidebar asks the application to do.
 */
export interface ISidebarActions {
  launchCluster: () => void;
  /** insert the cell that connects the current notebook to the cluster's Spark */
  connectSpark: (cluster: ICluster) => void;
  addKey: () => void;
  editJob: (job: IJob) => void;
  openOutput: (jobId: ObjectId, runId: ObjectId | null) => Promise<unknown>;
}

const SECTIONS: Section[] = ['clusters', 'jobs', 'keys'];

function sectionLabel(section: Section, trans: TranslationBundle): string {
  switch (section) {
    case 'clusters':
      return trans.__('Clusters');
    case 'jobs':
      return trans.__('Jobs');
    case 'keys':
      return trans.__('Keys');
  }
}

function tabId(section: Section): string {
  return `atmo-tab-${section}`;
}

function toggled(set: ReadonlySet<string>, id: ObjectId): Set<string> {
  const copy = new Set(set);
  const key = String(id);
  if (copy.has(key)) {
    copy.delete(key);
  } else {
    copy.add(key);
  }
  return copy;
}

function SidebarView(props: {
  model: AtmoModel;
  actions: ISidebarActions;
}): JSX.Element {
  const { model, actions } = props;
  const trans = model.trans;
  useSignal(model.changed);
  const [section, setSection] = React.useState<Section>('clusters');
  const [expandedClusters, setExpandedClusters] = React.useState<
    ReadonlySet<string>
  >(new Set());
  const [expandedJobs, setExpandedJobs] = React.useState<ReadonlySet<string>>(
    new Set()
  );
  const panelRef = React.useRef<HTMLDivElement>(null);
  const pendingFocus = React.useRef<string | null>(null);

  React.useEffect(() => {
    const onReveal = (_: AtmoModel, request: IRevealRequest): void => {
      setSection(request.section);
      if (request.id !== undefined) {
        const key = String(request.id);
        if (request.section === 'jobs') {
          setExpandedJobs(s => new Set([...s, key]));
        } else if (request.section === 'clusters') {
          setExpandedClusters(s => new Set([...s, key]));
        }
        pendingFocus.current = `${request.section}:${key}`;
      }
    };
    model.revealRequested.connect(onReveal);
    return () => {
      model.revealRequested.disconnect(onReveal);
    };
  }, [model]);

  // Bring a revealed row into view once it is rendered.
  React.useEffect(() => {
    const pending = pendingFocus.current;
    if (!pending || !panelRef.current) {
      return;
    }
    const [kind, id] = pending.split(':');
    const attribute = kind === 'jobs' ? 'data-job-id' : 'data-cluster-id';
    const row = panelRef.current.querySelector<HTMLElement>(
      `[${attribute}="${CSS.escape(id)}"]`
    );
    if (row) {
      pendingFocus.current = null;
      row.scrollIntoView({ block: 'nearest' });
      row.querySelector<HTMLElement>('.atmo-Item-toggle')?.focus();
    }
  });

  // The toolkit's tabs select on click and arrow keys and say so with a
  // 'change' event; native 'change' events of the panels' inputs bubble to
  // the same element, so only the tabs' own is taken.
  const onTabChange = (event: CustomEvent): void => {
    const tabs = event.currentTarget as HTMLElement & { activeid?: string };
    if (event.target !== tabs || !tabs.activeid) {
      return;
    }
    const chosen = SECTIONS.find(s => tabId(s) === tabs.activeid);
    if (chosen) {
      setSection(chosen);
    }
  };

  const config = model.config;
  const connection = model.errors.connection || model.errors.config;
  const counts: { [s: string]: string } = {
    // the badge counts active clusters only (a filter of all would count history)
    clusters:
      model.clusterFilter === 'active' && model.clusters.length > 0
        ? listCountText(
            model.clusters.length,
            model.moreClusters,
            model.clusterTotal
          )
        : '',
    jobs:
      model.jobs.length > 0
        ? listCountText(model.jobs.length, model.moreJobs, model.jobTotal)
        : '',
    keys: model.keys.length > 0 ? String(model.keys.length) : ''
  };
  return (
    <div ref={panelRef} className="atmo-Sidebar-content">
      <header className="atmo-Header">
        <h2 className="atmo-Title">
          <atmoIcon.react tag="span" className="atmo-Title-icon" />
          atmo_lab
        </h2>
        <div className="atmo-HeaderTools">
          {model.canShowEveryone ? (
            <ToolkitSwitch
              className="atmo-Everyone"
              value={model.showEveryone}
              label={trans.__("Everyone's")}
              caption={trans.__(
                "Show every user's clusters and jobs, not only yours (maintainers only)"
              )}
              onChange={value => model.setShowEveryone(value)}
            />
          ) : null}
          <ToolbarButtonComponent
            icon={refreshIcon}
            label=""
            tooltip={trans.__('Refresh now')}
            onClick={() => void model.refresh()}
          />
        </div>
      </header>
      {config ? (
        <p className="atmo-Muted atmo-Who">
          {config.is_maintainer
            ? trans.__('%1 (maintainer)', config.user)
            : config.user}{' '}
          · {config.region}
          {config.is_local_emulator ? (
            <span
              className="atmo-Badge atmo-Emulator"
              title={trans.__(
                'AWS calls go to %1: nothing runs on real AWS',
                config.aws_endpoint ?? trans.__('a local emulator')
              )}
            >
              {trans.__('AWS: local emulator')}
            </span>
          ) : null}
        </p>
      ) : null}
      <ErrorMessage
        message={
          connection
            ? trans.__(
                'Cannot reach the atmo_lab server extension: %1',
                connection
              )
            : ''
        }
      />
      <Tabs
        className="atmo-Tabs"
        aria-label={trans.__('atmo_lab sections')}
        activeid={tabId(section)}
        activeindicator={false}
        onChange={onTabChange}
      >
        {SECTIONS.map(value => (
          <Tab key={value} id={tabId(value)} className="atmo-Tab">
            {sectionLabel(value, trans)}
            {counts[value] ? (
              <span className="atmo-Count">{counts[value]}</span>
            ) : null}
          </Tab>
        ))}
        {SECTIONS.map(value => (
          <TabPanel
            key={value}
            id={`atmo-panel-${value}`}
            className="atmo-Panel"
          >
            {value !== section ? null : value === 'clusters' ? (
              <ClustersSection
                model={model}
                expanded={expandedClusters}
                onToggle={id => setExpandedClusters(s => toggled(s, id))}
                onLaunch={actions.launchCluster}
                onConnect={actions.connectSpark}
              />
            ) : value === 'jobs' ? (
              <JobsSection
                model={model}
                expanded={expandedJobs}
                onToggle={id => setExpandedJobs(s => toggled(s, id))}
                actions={{
                  edit: actions.editJob,
                  openOutput: actions.openOutput
                }}
              />
            ) : (
              <KeysSection model={model} onAddKey={actions.addKey} />
            )}
          </TabPanel>
        ))}
      </Tabs>
    </div>
  );
}

/**
 * The sidebar widget (left area).
 */
export class AtmoSidebar extends ReactWidget {
  constructor(model: AtmoModel, actions: ISidebarActions) {
    super();
    this.model = model;
    this._actions = actions;
    this.id = 'atmo-lab-sidebar';
    this.addClass('atmo-Sidebar');
    this.title.icon = atmoIcon;
    this.title.caption = model.trans.__(
      'atmo_lab: clusters, scheduled notebooks and SSH keys'
    );
  }

  readonly model: AtmoModel;

  protected render(): JSX.Element {
    return <SidebarView model={this.model} actions={this._actions} />;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.visible = true;
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.visible = false;
  }

  private _actions: ISidebarActions;
}
