/**
 * The Keys section of the sidebar and the add-key form.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { InputGroup } from '@jupyterlab/ui-components';
import * as React from 'react';

import { ISSHKey } from './api';
import {
  ErrorMessage,
  Field,
  FormButtons,
  controlProps,
  focusFirstInvalid,
  requestErrors,
  useId
} from './components';
import { FieldErrors, readPublicKeyFile, validateKey } from './forms';
import { dateTimeText } from './format';
import { AtmoModel } from './model';
import { showModal } from './modal';
import { errorMessage } from './utils';

/**
 * The add-key form (in a modal).
 */
export function AddKeyForm(props: {
  model: AtmoModel;
  onDone: (key: ISSHKey | null) => void;
}): JSX.Element {
  const trans = props.model.trans;
  const [title, setTitle] = React.useState('');
  const [key, setKey] = React.useState('');
  const [errors, setErrors] = React.useState<FieldErrors>({});
  const [message, setMessage] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const formRef = React.useRef<HTMLFormElement>(null);
  const titleId = useId('atmo-key-title');
  const keyId = useId('atmo-key-text');
  const fileId = useId('atmo-key-file');

  const clear = (field: string): void => {
    if (errors[field]) {
      setErrors(e => {
        const copy = { ...e };
        delete copy[field];
        return copy;
      });
    }
  };

  /** The key's comment (often `user@host`) as the title, unless one was typed. */
  const titleFrom = (comment: string): void => {
    if (comment) {
      // The state may be newer than this closure.
      setTitle(current => (current.trim() === '' ? comment : current));
      clear('title');
    }
  };

  const pickFile = async (files: FileList | null): Promise<void> => {
    const file = files?.[0];
    if (!file) {
      return;
    }
    try {
      const parsed = readPublicKeyFile(await file.text());
      setKey(parsed.key);
      clear('key');
      titleFrom(parsed.comment);
    } catch (reason) {
      setErrors(e => ({
        ...e,
        key: trans.__('Cannot read %1: %2', file.name, errorMessage(reason))
      }));
    }
  };

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    const body = { title: title.trim(), key: key.trim() };
    const found = validateKey(body, trans);
    setErrors(found);
    setMessage('');
    if (Object.keys(found).length > 0) {
      window.setTimeout(() => focusFirstInvalid(formRef.current), 0);
      return;
    }
    setBusy(true);
    try {
      props.onDone(await props.model.addKey(body));
    } catch (reason) {
      const result = requestErrors(reason, ['title', 'key']);
      setErrors(result.errors);
      setMessage(result.message);
      setBusy(false);
      window.setTimeout(() => focusFirstInvalid(formRef.current), 0);
    }
  };

  return (
    <form
      ref={formRef}
      className="atmo-Form"
      aria-label={trans.__('Add an SSH key')}
      noValidate
      onSubmit={e => void submit(e)}
    >
      <div className="jp-Dialog-body">
        <Field
          id={keyId}
          field="key"
          label={trans.__('Public key')}
          errors={errors}
          hint={trans.__(
            'The contents of a .pub file, e.g. ~/.ssh/id_ed25519.pub. Never paste a private key.'
          )}
        >
          <textarea
            {...controlProps(keyId, 'key', errors, true)}
            className="jp-mod-styled atmo-Input atmo-Textarea"
            rows={4}
            spellCheck={false}
            placeholder="ssh-ed25519 AAAA… you@laptop"
            value={key}
            onChange={e => {
              setKey(e.target.value);
              clear('key');
            }}
            onPaste={e =>
              titleFrom(
                readPublicKeyFile(e.clipboardData.getData('text')).comment
              )
            }
          />
        </Field>
        <div className="atmo-Field">
          <label htmlFor={fileId} className="atmo-Field-label">
            {trans.__('…or choose a .pub file')}
          </label>
          {/* The toolkit has no file picker part: the browser's own. */}
          <input
            id={fileId}
            type="file"
            accept=".pub,text/plain"
            className="atmo-File"
            onChange={e => void pickFile(e.target.files)}
          />
        </div>
        <Field
          id={titleId}
          field="title"
          label={trans.__('Title')}
          errors={errors}
          hint={trans.__('A name for the key, e.g. the computer it is on.')}
        >
          <InputGroup
            {...controlProps(titleId, 'title', errors, true)}
            className="atmo-Input"
            type="text"
            maxLength={100}
            value={title}
            onChange={e => {
              setTitle(e.target.value);
              clear('title');
            }}
          />
        </Field>
        <ErrorMessage message={message} />
      </div>
      <FormButtons
        submitLabel={trans.__('Add key')}
        busyLabel={trans.__('Adding…')}
        trans={trans}
        busy={busy}
        onCancel={() => props.onDone(null)}
      />
    </form>
  );
}

/**
 * Open the add-key form; resolves with the new key (or null).
 */
export async function openAddKeyDialog(
  model: AtmoModel
): Promise<ISSHKey | null> {
  const trans = model.trans;
  const key = await showModal<ISSHKey>(trans.__('Add an SSH key'), done => (
    <AddKeyForm model={model} onDone={done} />
  ));
  if (key) {
    Notification.success(trans.__('Added SSH key %1.', key.title), {
      autoClose: 4000
    });
  }
  return key;
}

function KeyItem(props: { model: AtmoModel; sshKey: ISSHKey }): JSX.Element {
  const { model, sshKey } = props;
  const trans = model.trans;
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState('');
  const remove = async (): Promise<void> => {
    const result = await showDialog({
      title: trans.__('Delete the key %1?', sshKey.title),
      body: trans.__(
        'Clusters launched with it keep running, but new clusters cannot use it.'
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Delete') })
      ]
    });
    if (!result.button.accept) {
      return;
    }
    setBusy(true);
    setError('');
    try {
      await model.deleteKey(sshKey.id);
      Notification.success(trans.__('Deleted SSH key %1.', sshKey.title), {
        autoClose: 4000
      });
    } catch (reason) {
      setError(errorMessage(reason));
      setBusy(false);
    }
  };
  return (
    <li className="atmo-Item" data-key-id={String(sshKey.id)}>
      <div className="atmo-Item-header">
        <span className="atmo-Item-title">{sshKey.title}</span>
        <span className="atmo-Muted">{sshKey.prefix}</span>
      </div>
      <dl className="atmo-Details">
        <dt>MD5</dt>
        <dd>
          <code>{sshKey.fingerprint}</code>
        </dd>
        <dt>SHA256</dt>
        <dd>
          <code>{sshKey.fingerprint_sha256}</code>
        </dd>
        <dt>{trans.__('Added')}</dt>
        <dd>{dateTimeText(sshKey.created_at)}</dd>
      </dl>
      <div className="atmo-ActionRow">
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-warn atmo-SmallButton"
          disabled={busy}
          aria-label={trans.__('Delete the key %1', sshKey.title)}
          onClick={() => void remove()}
        >
          {busy ? trans.__('Deleting…') : trans.__('Delete')}
        </button>
      </div>
      <ErrorMessage message={error} />
    </li>
  );
}

/**
 * The Keys section.
 */
export function KeysSection(props: {
  model: AtmoModel;
  onAddKey: () => void;
}): JSX.Element {
  const { model } = props;
  const trans = model.trans;
  const error = model.errors.keys;
  return (
    <div className="atmo-Section" aria-label={trans.__('SSH keys')}>
      <div className="atmo-Toolbar">
        <span className="atmo-Muted">
          {trans.__('Keys used to log in to your clusters.')}
        </span>
        <span className="atmo-Spacer" />
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-accept atmo-SmallButton"
          onClick={props.onAddKey}
        >
          {trans.__('Add key…')}
        </button>
      </div>
      <ErrorMessage message={error} />
      {model.keys.length === 0 && !error ? (
        <p className="atmo-Empty">
          {model.loading
            ? trans.__('Loading…')
            : trans.__(
                'No SSH keys yet. Add the public key of the computer you will connect from.'
              )}
        </p>
      ) : (
        <ul className="atmo-List" aria-label={trans.__('SSH keys')}>
          {model.keys.map(k => (
            <KeyItem key={String(k.id)} model={model} sshKey={k} />
          ))}
        </ul>
      )}
    </div>
  );
}
