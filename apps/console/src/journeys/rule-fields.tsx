import { useLanguage } from '../i18n/i18n';
import { ConditionBuilder, isEmptyCondition } from '../rules/condition-builder';
import { TextField } from '../ui/text-field';
import { SelectField } from './editor-fields';
import type { JourneyDefinition } from './use-journeys';

/**
 * The journey editor's rules, as forms: conditions (entry, a wait's event filter, a branch, an
 * exit or goal event's filter) in the condition builder the segments use, in its journey context
 * (event properties, segments), and the exit list and goal field by field. The YAML beside the
 * canvas stays the other way to write every one of them.
 */

type Condition = NonNullable<Extract<JourneyDefinition['entry'], { event: unknown }>['where']>;
type ExitRule = NonNullable<JourneyDefinition['exit']>[number];
type Goal = NonNullable<JourneyDefinition['goal']>;
type EventRule = Extract<ExitRule, { event: unknown }>;

/**
 * A condition in the builder. An optional one (a filter) is left out of the definition while the
 * builder holds nothing, so an untouched filter never turns into an empty "all" rule.
 */
export function ConditionField(props: {
  label: string;
  value: unknown;
  onChange: (value: Condition | undefined) => void;
  optional?: boolean;
}) {
  const { label, value, onChange, optional = false } = props;
  return (
    <ConditionBuilder
      label={label}
      value={value}
      context="journey"
      onChange={(json) => onChange(optional && isEmptyCondition(json) ? undefined : (json as Condition))}
    />
  );
}

/** The conversion goal: the event (empty: no goal), its window, from entry or from a message. */
export function GoalFields({ goal, onChange }: { goal: Goal | undefined; onChange: (goal: Goal | undefined) => void }) {
  const { t } = useLanguage();
  const current: Goal = goal ?? { event: '', within: 'P7D', after: 'entry' };
  const patch = (fields: Partial<Goal>) => {
    const next = { ...current, ...fields };
    onChange(next.event.trim() === '' ? undefined : next);
  };
  return (
    <fieldset className="step-fieldset">
      <legend>{t('editor.goal')}</legend>
      <p className="hint">{t('editor.goalHint')}</p>
      <TextField label={t('editor.goalEvent')} value={goal?.event ?? ''} onChange={(event) => patch({ event })} />
      {goal && (
        <>
          <TextField label={t('editor.goalWithin')} value={goal.within} onChange={(within) => patch({ within })} />
          <SelectField
            label={t('editor.goalAfter')}
            value={goal.after ?? 'entry'}
            options={[
              { value: 'entry', label: t('editor.goalAfter.entry') },
              { value: 'message', label: t('editor.goalAfter.message') },
            ]}
            onChange={(after) => patch({ after: after as Goal['after'] })}
          />
          <TextField
            label={t('editor.goalSameKey')}
            value={goal.sameKey ?? ''}
            onChange={(sameKey) => patch({ sameKey: sameKey || undefined })}
          />
          <ConditionField
            label={t('editor.goalWhere')}
            value={goal.where}
            optional
            onChange={(where) => patch({ where })}
          />
        </>
      )}
    </fieldset>
  );
}

/** The exit rules: each an event (with its key and filter) or leaving a segment. */
export function ExitRulesField({
  rules,
  onChange,
}: {
  rules: ExitRule[] | undefined;
  onChange: (rules: ExitRule[] | undefined) => void;
}) {
  const { t } = useLanguage();
  const list = rules ?? [];
  const set = (next: ExitRule[]) => onChange(next.length === 0 ? undefined : next);
  const replace = (i: number, rule: ExitRule) => set(list.map((r, j) => (j === i ? rule : r)));
  return (
    <fieldset className="step-fieldset">
      <legend>{t('editor.exit')}</legend>
      {list.length === 0 && <p className="hint">{t('editor.exitNone')}</p>}
      {list.map((rule, i) => {
        const n = i + 1;
        const isEvent = 'event' in rule;
        return (
          <div key={i} className="exit-rule">
            <SelectField
              label={t('editor.exitKind', { n })}
              value={isEvent ? 'event' : 'leftSegment'}
              options={[
                { value: 'event', label: t('editor.exitKind.event') },
                { value: 'leftSegment', label: t('editor.exitKind.leftSegment') },
              ]}
              onChange={(kind) => replace(i, kind === 'event' ? { event: '' } : { leftSegment: '' })}
            />
            {isEvent ? (
              <>
                <TextField
                  label={t('editor.exitEvent', { n })}
                  value={rule.event}
                  onChange={(event) => replace(i, { ...rule, event })}
                />
                <TextField
                  label={t('editor.exitSameKey', { n })}
                  value={rule.sameKey ?? ''}
                  onChange={(sameKey) => replace(i, { ...rule, sameKey: sameKey || undefined })}
                />
                <ConditionField
                  label={t('editor.exitWhere', { n })}
                  value={rule.where}
                  optional
                  onChange={(where) => replace(i, { ...rule, where } satisfies EventRule)}
                />
              </>
            ) : (
              <TextField
                label={t('editor.exitSegment', { n })}
                value={rule.leftSegment}
                onChange={(leftSegment) => replace(i, { leftSegment })}
              />
            )}
            <button type="button" className="button button-small" onClick={() => set(list.filter((_, j) => j !== i))}>
              {t('editor.removeExit', { n })}
            </button>
          </div>
        );
      })}
      <button type="button" className="button button-small" onClick={() => set([...list, { event: '' }])}>
        {t('editor.addExit')}
      </button>
    </fieldset>
  );
}
