export { Agent, StepReporter, type AgentOptions, type Identity } from './agent.ts';
export { SiteClient, type DeploymentDetail, type PolicyDeployment, type StatusKind, type StatusMessage } from './site-client.ts';
