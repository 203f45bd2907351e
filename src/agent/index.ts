export { Agent, StepReporter, type AgentOptions, type Identity } from './agent.ts';
export { SiteClient, type DeploymentDetail, type PolicyDeployment } from './site-client.ts';
