// What only Windows can do (VSS, local accounts, live registry, EFS) and the offline account plan.
export { LinuxPlatform, currentPlatform, type Platform, type Snapshot, type LocalAccountRequest, type LiveHiveName } from './platform.ts';
export {
  AccountPlanRecorder,
  ACCOUNT_PLAN_FILE,
  ACCOUNT_PLAN_FORMAT,
  ACCOUNT_PLAN_VERSION,
  type AccountPlan,
  type PlannedAccount,
  type PlanTarget,
} from './account-plan.ts';
