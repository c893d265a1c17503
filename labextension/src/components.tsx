/**
 * Small shared React components and hooks of the sidebar and the forms.
 */
import { Switch, type SwitchElement } from '@jupyter/react-components';
import { Clipboard } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ISignal } from '@lumino/signaling';
import * as React from 'react';

import { AtmoApiError } from './request';
import { statusLabel, statusTone } from './format';
import { FieldErrors } from './forms';
import { errorMessage } from './utils';

/**
 * Re-render whenever `signal` fires.
 */
export function useSignal<T>(signal: ISignal<T, any>): void {
  const [, bump] = React.useReducer((n: number) => n + 1, 0);
  React.useEffect(() => {
    const slot = (): void => bump();
    signal.connect(slot);
    return () => {
      signal.disconnect(slot);
    };
  }, [signal]);
}

/**
 * The current time, refreshed every `intervalMs` (for "in 3 h 12 min").
 */
export function useNow(intervalMs = 30000): number {
  const [now, setNow] = React.useState(Date.now());
  React.useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/**
 * A DOM id unique in the page, stable for the component's life (React's,
 * after a prefix that says what it names).
 */
export function useId(prefix: string): string {
  return `${prefix}${React.useId()}`;
}

/**
 * The toolkit's switch (`jp-switch`), named by its label. `onChange` is
 * called when the user changes it, not when `value` comes from the props
 * (the element also reports those).
 */
export function ToolkitSwitch(props: {
  value: boolean;
  label: string;
  caption?: string;
  disabled?: boolean;
  className?: string;
  onChange: (value: boolean) => void;
}): JSX.Element {
  const { value, onChange } = props;
  return (
    <Switch
      className={props.className}
      checked={value}
      title={props.caption}
      disabled={props.disabled}
      onChange={event => {
        const checked = (event.target as SwitchElement).checked;
        if (checked !== value) {
          onChange(checked);
        }
      }}
    >
      {props.label}
    </Switch>
  );
}

/**
 * A badge with a cluster's EMR state.
 */
export function StatusBadge(props: {
  status: string | null | undefined;
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  const tone = props.status ? statusTone(props.status) : 'done';
  return (
    <span
      className={`atmo-Badge atmo-mod-${tone}`}
      title={
        props.status
          ? trans.__('EMR state: %1', statusLabel(props.status, trans))
          : undefined
      }
      data-status={props.status ?? ''}
    >
      {props.status ? props.status.replace(/_/g, ' ') : trans.__('unknown')}
    </span>
  );
}

/**
 * The accessibility attributes of a form control with `field`'s errors.
 */
export function controlProps(
  id: string,
  field: string,
  errors: FieldErrors,
  hasHint = false
): {
  id: string;
  name: string;
  'aria-invalid': boolean;
  'aria-describedby'?: string;
} {
  const described = [
    hasHint ? `${id}-hint` : '',
    errors[field] ? `${id}-error` : ''
  ]
    .filter(Boolean)
    .join(' ');
  return {
    id,
    name: field,
    'aria-invalid': Boolean(errors[field]),
    ...(described ? { 'aria-describedby': described } : {})
  };
}

/**
 * A labelled form field with its hint and its error (server or client).
 */
export function Field(props: {
  id: string;
  field: string;
  label: string;
  errors: FieldErrors;
  hint?: React.ReactNode;
  children: React.ReactNode;
}): JSX.Element {
  const error = props.errors[props.field];
  return (
    <div
      className={`atmo-Field${error ? ' atmo-mod-invalid' : ''}`}
      data-field={props.field}
    >
      <label htmlFor={props.id} className="atmo-Field-label">
        {props.label}
      </label>
      {props.children}
      {props.hint ? (
        <div id={`${props.id}-hint`} className="atmo-Field-hint">
          {props.hint}
        </div>
      ) : null}
      {error ? (
        <div id={`${props.id}-error`} className="atmo-Field-error">
          {error}
        </div>
      ) : null}
    </div>
  );
}

/**
 * An error message block, announced to screen readers.
 */
export function ErrorMessage(props: {
  message: string | null | undefined;
}): JSX.Element | null {
  if (!props.message) {
    return null;
  }
  return (
    <div className="atmo-Error" role="alert">
      {props.message}
    </div>
  );
}

/**
 * A button that copies `text` to the clipboard and says so.
 */
export function CopyButton(props: {
  text: string;
  label: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  const [copied, setCopied] = React.useState(false);
  React.useEffect(() => {
    if (!copied) {
      return;
    }
    const timer = window.setTimeout(() => setCopied(false), 2000);
    return () => window.clearTimeout(timer);
  }, [copied]);
  return (
    <button
      type="button"
      className="jp-Button jp-mod-minimal atmo-SmallButton"
      aria-label={props.label}
      title={props.label}
      onClick={() => {
        Clipboard.copyToSystem(props.text);
        setCopied(true);
      }}
    >
      {copied ? trans.__('Copied') : trans.__('Copy')}
      <span className="atmo-VisuallyHidden" aria-live="polite">
        {copied ? ' ' + trans.__('to the clipboard') : ''}
      </span>
    </button>
  );
}

/**
 * The field errors and the general message of a failed request.
 *
 * @param reason What the request threw
 * @param fields The fields the form shows (other field errors go into the
 *   message, so that nothing the server said is lost)
 */
export function requestErrors(
  reason: unknown,
  fields: ReadonlyArray<string>
): { errors: FieldErrors; message: string } {
  if (reason instanceof AtmoApiError) {
    const errors: FieldErrors = {};
    const other: string[] = [];
    for (const [field, text] of Object.entries(reason.errors)) {
      if (fields.includes(field)) {
        errors[field] = text;
      } else {
        other.push(`${field}: ${text}`);
      }
    }
    const shown = Object.keys(errors).length > 0;
    const message =
      other.length > 0
        ? other.join(' ')
        : shown
          ? ''
          : reason.message || `The server answered ${reason.response.status}.`;
    return { errors, message };
  }
  return { errors: {}, message: errorMessage(reason) };
}

/**
 * Focus the first invalid control of a form.
 */
export function focusFirstInvalid(form: HTMLElement | null): void {
  const invalid = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
  invalid?.focus();
}

/**
 * The dialog-styled buttons at the bottom of a form.
 */
export function FormButtons(props: {
  submitLabel: string;
  busyLabel: string;
  busy: boolean;
  onCancel: () => void;
  trans: TranslationBundle;
  disabled?: boolean;
}): JSX.Element {
  return (
    <div className="jp-Dialog-footer">
      <div className="jp-Dialog-footerButtons">
        <button
          type="button"
          className="jp-Dialog-button jp-mod-reject jp-mod-styled"
          onClick={props.onCancel}
        >
          <div className="jp-Dialog-buttonLabel">
            {props.trans.__('Cancel')}
          </div>
        </button>
        <button
          type="submit"
          className="jp-Dialog-button jp-mod-accept jp-mod-styled"
          disabled={props.busy || props.disabled}
          aria-busy={props.busy}
        >
          <div className="jp-Dialog-buttonLabel">
            {props.busy ? props.busyLabel : props.submitLabel}
          </div>
        </button>
      </div>
    </div>
  );
}
