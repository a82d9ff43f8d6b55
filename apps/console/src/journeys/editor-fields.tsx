import { useEffect, useId, useState } from 'react';
import { useT } from '../i18n/i18n';
import { fromYaml, toFlowYaml } from './journey-yaml';

/** A labelled select. */
export function SelectField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: Array<{ value: string; label: string }>;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * A value written as YAML text (an updateProfile step's value: a number, text, a list, an
 * object). The text is kept as typed; the value changes when it reads as YAML. Conditions have
 * their builder (rule-fields.tsx).
 * Empty text is "none" (undefined).
 */
export function YamlField(props: {
  label: string;
  value: unknown;
  onChange: (value: unknown) => void;
  multiline?: boolean;
}) {
  const t = useT();
  const id = useId();
  const { value, onChange } = props;
  const [text, setText] = useState(() => toFlowYaml(value));
  const [error, setError] = useState<string>();
  // Follow changes made elsewhere (the YAML editor, a rename) unless they are this field's own.
  useEffect(() => {
    setText((current) => {
      const parsed = current.trim() === '' ? { value: undefined } : fromYaml(current);
      return 'value' in parsed && JSON.stringify(parsed.value) === JSON.stringify(value) ? current : toFlowYaml(value);
    });
  }, [value]);
  const change = (next: string) => {
    setText(next);
    if (next.trim() === '') {
      setError(undefined);
      onChange(undefined);
      return;
    }
    const parsed = fromYaml(next);
    if ('error' in parsed) {
      setError(parsed.error);
    } else {
      setError(undefined);
      onChange(parsed.value);
    }
  };
  const Input = props.multiline ? 'textarea' : 'input';
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <Input
        id={id}
        className="code-input"
        value={text}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => change(e.target.value)}
        {...(props.multiline ? { rows: 3 } : {})}
      />
      {error && (
        <p id={`${id}-error`} className="field-error">
          {t('editor.conditionError', { message: error })}
        </p>
      )}
    </div>
  );
}
