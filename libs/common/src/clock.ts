/**
 * The one source of "now". Production code asks the clock instead of calling Date.now(), so
 * tests and the journey simulator can run on a virtual one.
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
