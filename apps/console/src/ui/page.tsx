import { useId, type ReactNode } from 'react';

/** A console page: its title is the page's one h1, and names the region. */
export function Page({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const id = useId();
  return (
    <section className="page" aria-labelledby={id}>
      <header className="page-header">
        <h1 id={id}>{title}</h1>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** A titled part of a page. */
export function Panel({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}
