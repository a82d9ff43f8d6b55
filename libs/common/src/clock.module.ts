import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { Clock } from './clock';

/**
 * Provides the process's one `Clock`, globally. The one way to choose it: production passes
 * the `DatabaseClock` class (built by Nest, it needs the data source), tests and simulations a
 * `VirtualClock` instance.
 */
@Module({})
export class ClockModule {
  static using(clock: Clock | Type<Clock>): DynamicModule {
    const provider: Provider =
      clock instanceof Clock ? { provide: Clock, useValue: clock } : { provide: Clock, useClass: clock };
    return { module: ClockModule, global: true, providers: [provider], exports: [Clock] };
  }
}
