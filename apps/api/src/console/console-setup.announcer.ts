import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConsoleUserService } from '@kizuna/auth';

/**
 * On a fresh install (no console user yet), prints a one-time link to create the first admin.
 * Logged as a warning so it shows at every LOG_LEVEL but error; a restart prints a new one.
 * Once anyone has an account it prints nothing, and every setup link stops working.
 */
@Injectable()
export class ConsoleSetupAnnouncer implements OnApplicationBootstrap {
  private readonly logger = new Logger('Console');

  constructor(private readonly users: ConsoleUserService) {}

  async onApplicationBootstrap(): Promise<void> {
    const link = await this.users.issueSetupLink().catch((error: unknown) => {
      this.logger.error(`Could not issue the console setup link: ${String(error)}`);
      return null;
    });
    if (link) {
      this.logger.warn(
        `No console user yet. Create the first admin with this one-time link (valid until ${link.expiresAt.toISOString()}): ${link.url}`,
      );
    }
  }
}
