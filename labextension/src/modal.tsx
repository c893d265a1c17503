/**
 * A modal dialog for forms that talk to the server.
 *
 * JupyterLab's `showDialog` closes as soon as its accept button is pressed;
 * a form whose server answer may name invalid fields has to stay open and
 * show them. This modal reuses JupyterLab's dialog styles, traps the focus,
 * closes on Escape and gives the focus back to where it was.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { useId } from './components';

/**
 * What a modal renders: call `done(value)` to close it.
 */
export type ModalRender<T> = (done: (value: T | null) => void) => JSX.Element;

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function ModalFrame(props: {
  title: string;
  onCancel: () => void;
  children: React.ReactNode;
}): JSX.Element {
  const titleId = useId('atmo-modal-title');
  const ref = React.useRef<HTMLDivElement>(null);

  React.useEffect(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    const first =
      node.querySelector<HTMLElement>('[data-autofocus]') ??
      node.querySelector<HTMLElement>(
        '.jp-Dialog-body input, .jp-Dialog-body select, .jp-Dialog-body textarea'
      ) ??
      node.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
  }, []);

  const onKeyDown = (event: React.KeyboardEvent): void => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      props.onCancel();
      return;
    }
    if (event.key !== 'Tab' || !ref.current) {
      return;
    }
    const focusable = Array.from(
      ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)
    ).filter(el => el.offsetParent !== null);
    if (focusable.length === 0) {
      return;
    }
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <div
      ref={ref}
      className="jp-Dialog-content atmo-Modal-content"
      role="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      onKeyDown={onKeyDown}
    >
      <div className="jp-Dialog-header">
        <h2 id={titleId} className="atmo-Modal-title">
          {props.title}
        </h2>
      </div>
      {props.children}
    </div>
  );
}

/**
 * Show a modal and wait until it closes.
 *
 * @param title The dialog title (also its accessible name)
 * @param render Renders the dialog's content (a form with
 *   `jp-Dialog-body` and `jp-Dialog-footer` parts)
 * @param className An extra class of the dialog
 * @returns The value passed to `done`, or null when cancelled
 */
export function showModal<T>(
  title: string,
  render: ModalRender<T>,
  className = ''
): Promise<T | null> {
  return new Promise<T | null>(resolve => {
    const previous =
      document.activeElement instanceof HTMLElement
        ? document.activeElement
        : null;
    let closed = false;
    const done = (value: T | null): void => {
      if (closed) {
        return;
      }
      closed = true;
      widget.dispose();
      if (previous && document.contains(previous)) {
        previous.focus();
      }
      resolve(value);
    };
    const widget = ReactWidget.create(
      <ModalFrame title={title} onCancel={() => done(null)}>
        {render(done)}
      </ModalFrame>
    );
    widget.addClass('jp-Dialog');
    widget.addClass('jp-ThemedContainer');
    widget.addClass('atmo-Modal');
    if (className) {
      widget.addClass(className);
    }
    // Keep JupyterLab's single-key shortcuts away from the form's inputs.
    widget.node.setAttribute('data-lm-suppress-shortcuts', 'true');
    Widget.attach(widget, document.body);
  });
}
