import { useId, type InputHTMLAttributes } from 'react';

/** A labelled input; the label names it for screen readers and for the browser tests. */
export function TextField({
  label,
  value,
  onChange,
  hint,
  ...input
}: { label: string; value: string; onChange: (value: string) => void; hint?: string } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'value' | 'onChange' | 'id'
>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={hint ? `${id}-hint` : undefined}
        {...input}
      />
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}
