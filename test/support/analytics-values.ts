/** A desktop Safari's user agent: a person opening or clicking, not a mail proxy or a link scanner. */
export const BROWSER_USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

/** A ratio as the analytics API writes it. */
export interface Ratio {
  numerator: number;
  denominator: number;
  value: number | null;
}

/** The ratio expected for a hand-counted numerator and denominator (no value over 0). */
export const ratio = (numerator: number, denominator: number): Ratio => ({
  numerator,
  denominator,
  value: denominator === 0 ? null : numerator / denominator,
});
