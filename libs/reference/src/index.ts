export {
  defaultReferenceDir,
  loadReferenceContent,
  scaleDuration,
  scaleDurations,
  type ReferenceContent,
  type ReferenceSegment,
  type ReferenceTemplate,
} from './reference-content';
export {
  ReferenceInstaller,
  type InstallItem,
  type InstallOptions,
  type InstallOutcome,
  type InstallReport,
} from './reference-installer.service';
export { ReferenceModule } from './reference.module';
export { DEFAULT_DEMO, ShopDemo, type ShopDemoOptions } from './shop-demo';
export { ShopDemoRepository, type DemoSummary } from './shop-demo.repository';
