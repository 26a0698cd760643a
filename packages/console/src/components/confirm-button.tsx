import { useState } from 'preact/hooks';

export interface ConfirmButtonProps {
  /** The action, e.g. "Revoke". */
  readonly label: string;
  /** What it acts on, for screen readers: "Revoke token field-1". */
  readonly subject: string;
  readonly onConfirm: () => Promise<void> | void;
}

/**
 * A destructive action in two presses (the second one says what it does), instead of a
 * browser dialog that keyboard and test drivers handle badly.
 */
export function ConfirmButton({ label, subject, onConfirm }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking)
    return (
      <button
        type="button"
        class="secondary danger"
        aria-label={`${label} ${subject}`}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  return (
    <span class="confirm">
      <button
        type="button"
        class="danger"
        disabled={busy}
        aria-label={`Confirm: ${label.toLowerCase()} ${subject}`}
        // biome-ignore lint/a11y/noAutofocus: the second press follows the first
        autoFocus
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        Confirm {label.toLowerCase()}
      </button>
      <button type="button" class="secondary" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}
