import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '@kizuna/events';
import { CustomerFactsLoader } from './customer-facts.loader';
import { CustomerProfileUpdater } from './customer-profile.updater';
import { Customer } from './customer.entity';
import { CustomerRepository } from './customer.repository';
import { CustomersService } from './customers.service';
import { ShopOrderRollups } from './shop-order-rollups.repository';

@Module({
  imports: [TypeOrmModule.forFeature([Customer]), EventsModule],
  providers: [CustomerRepository, CustomersService, CustomerProfileUpdater, CustomerFactsLoader, ShopOrderRollups],
  exports: [CustomersService, CustomerProfileUpdater, CustomerRepository, CustomerFactsLoader, ShopOrderRollups],
})
export class CustomersModule {}
