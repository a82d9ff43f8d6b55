import { useState } from 'react';
import { presetPeriod, shopToday, type Period, type Preset } from './period';

/** The chosen period: a preset counted back from the shop's today, or custom shop days. */
export function usePeriod(timeZone: string | undefined, initial: 7 | 30 | 90 = 30) {
  const [preset, setPreset] = useState<Preset>(initial);
  const [custom, setCustom] = useState<Period | null>(null);
  const today = timeZone ? shopToday(timeZone) : null;
  const period: Period | null =
    preset === 'custom' && custom ? custom : today ? presetPeriod(preset === 'custom' ? 30 : preset, today) : null;
  return {
    today,
    preset,
    period,
    choosePreset: (days: 7 | 30 | 90) => setPreset(days),
    chooseCustom: (p: Period) => {
      setCustom(p);
      setPreset('custom');
    },
  };
}
