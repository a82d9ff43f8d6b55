import { useId } from 'react';
import { useT } from '../i18n/i18n';

type Role = 'ingest' | 'marketer' | 'ops' | 'admin';

/**
 * A choice of role, named by a visible label or (in a table row) by `ariaLabel`.
 */
export function RoleSelect<R extends Role>(props: {
  roles: readonly R[];
  value: R;
  onChange: (role: R) => void;
  label?: string;
  ariaLabel?: string;
  disabled?: boolean;
}) {
  const { roles, value, onChange, label, ariaLabel, disabled } = props;
  const t = useT();
  const id = useId();
  const select = (
    <select
      id={id}
      aria-label={ariaLabel}
      value={value}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value as R)}
    >
      {roles.map((r) => (
        <option key={r} value={r}>
          {t(`role.${r}`)}
        </option>
      ))}
    </select>
  );
  return label ? (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {select}
    </div>
  ) : (
    select
  );
}
