export { ReferenceInstaller, type InstallReport } from './reference-installer.service';
export { ReferenceModule } from './reference.module';
export { DEFAULT_DEMO, ShopDemo } from './shop-demo';
export type { DemoSummary } from './shop-demo.repository';
