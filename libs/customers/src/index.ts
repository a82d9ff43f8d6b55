export { CustomerProfileUpdater, ORDER_EVENTS } from './customer-profile.updater';
export { Customer, type EmailConsent } from './customer.entity';
export { CustomerFactsLoader } from './customer-facts.loader';
export { CustomerRepository, type ConsentChange } from './customer.repository';
export { CustomersErrorCode, CustomersException } from './customers.exception';
export { CustomersModule } from './customers.module';
export { CustomersService, type CustomerProfile } from './customers.service';
export { averageOrderValue } from './purchase-stats.util';
export {
  ShopOrderRollups,
  type CohortCell,
  type CurrencyTotals,
  type OrderSnapshot,
} from './shop-order-rollups.repository';
export type { RollupShape } from './shop-rollup.util';
