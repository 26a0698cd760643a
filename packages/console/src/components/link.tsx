import type { ComponentChildren } from 'preact';
import { isPlainClick, navigate } from '../router.js';

export interface LinkProps {
  readonly href: string;
  readonly children: ComponentChildren;
  readonly class?: string;
  readonly current?: boolean;
  readonly tabIndex?: number;
  readonly 'data-index'?: number;
}

/** An in-console link: a real `<a href>` (new tab, copy link work) that navigates in place. */
export function Link({ href, children, current, ...rest }: LinkProps) {
  return (
    <a
      href={href}
      aria-current={current ? 'page' : undefined}
      onClick={(event) => {
        if (!isPlainClick(event)) return;
        event.preventDefault();
        navigate(href);
      }}
      {...rest}
    >
      {children}
    </a>
  );
}
