import type { ReactNode } from 'react';
import type { StepType } from './journey-graph';

/** Line icons per step type (24-unit grid, drawn with the text colour); decorative: the type is also written. */
const PATHS: Record<StepType | 'entry', ReactNode> = {
  wait: (
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 7v5l3 2" />
    </>
  ),
  waitForEvent: (
    <>
      <path d="M6 3h12M6 21h12M7 3c0 5 10 5 10 9s-10 4-10 9M17 3c0 5-10 5-10 9" />
    </>
  ),
  branch: (
    <>
      <circle cx="6" cy="5" r="2" />
      <circle cx="6" cy="19" r="2" />
      <circle cx="18" cy="9" r="2" />
      <path d="M6 7v10M6 14c0-4 12-1 12-3" />
    </>
  ),
  split: (
    <>
      <path d="M12 3v6M12 9l-6 6v6M12 9l6 6v6" />
    </>
  ),
  send: (
    <>
      <rect x="3" y="5" width="18" height="14" rx="2" />
      <path d="M3 7l9 6 9-6" />
    </>
  ),
  updateProfile: (
    <>
      <circle cx="12" cy="8" r="4" />
      <path d="M4 21c0-4 4-6 8-6s8 2 8 6" />
    </>
  ),
  webhook: (
    <>
      <path d="M10 14a4 4 0 0 0 6 0l3-3a4 4 0 0 0-6-6l-1 1" />
      <path d="M14 10a4 4 0 0 0-6 0l-3 3a4 4 0 0 0 6 6l1-1" />
    </>
  ),
  exit: (
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M8 8l8 8M16 8l-8 8" />
    </>
  ),
  entry: (
    <>
      <path d="M5 12h12M13 6l6 6-6 6" />
    </>
  ),
};

export function StepIcon({ type }: { type: StepType | 'entry' }) {
  return (
    <svg
      className={`step-icon step-icon-${type}`}
      viewBox="0 0 24 24"
      width="18"
      height="18"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      {PATHS[type]}
    </svg>
  );
}
