import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock';

/** Provides the wall clock; tests and the simulator override Clock with a virtual one. */
@Global()
@Module({ providers: [{ provide: Clock, useClass: SystemClock }], exports: [Clock] })
export class ClockModule {}
