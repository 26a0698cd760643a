import { useEffect, useRef, useState } from 'preact/hooks';

export interface SecretOnceProps {
  /** What the secret is, e.g. "Token for thermo-1". */
  readonly label: string;
  readonly secret: string;
  readonly onDone: () => void;
}

/**
 * A secret the server shows once: focused so it is announced, copyable, and gone when the
 * operator says it is kept (the console stores it nowhere).
 */
export function SecretOnce({ label, secret, onDone }: SecretOnceProps) {
  const box = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => box.current?.focus(), []);
  return (
    <section class="secret-once" ref={box} tabIndex={-1} aria-label={label}>
      <p>
        <strong>{label}</strong>: copy it now, it is not shown again.
      </p>
      <code class="secret" data-testid="secret">
        {secret}
      </code>
      <div class="actions">
        <button
          type="button"
          class="secondary"
          onClick={() =>
            navigator.clipboard?.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={onDone}>
          I have kept it
        </button>
      </div>
    </section>
  );
}
