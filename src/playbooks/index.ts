// The playbooks module: binding kinds as data (load), their parameters (params), one rendered
// step per call (render), the capture output (capture), and the Windows output parsers.
export {
  STEP_NAMES,
  REQUIRED_STEPS,
  PARAM_TYPES,
  type Playbook,
  type StepName,
  type ParamSpec,
} from './schema.js';
export {
  builtinPlaybookDir,
  loadPlaybooks,
  loadPlaybookFile,
  parsePlaybook,
  type PlaybookRegistry,
  type LoadPlaybooksOptions,
} from './load.js';
export {
  validateParams,
  resolveParams,
  bindingRules,
  coldStartProblem,
  type ResolvedParams,
  type ParamValue,
} from './params.js';
export {
  renderStep,
  materialOf,
  type Material,
  type RenderContext,
  type RenderedStep,
  type Upload,
} from './render.js';
export { stagingPaths, DEFAULT_STATE_DIR, type StagingPaths } from './staging.js';
export {
  parseCapture,
  type CapturedState,
  type CapturedFile,
  type CapturedNetshEndpoint,
  type IisSiteBinding,
  type CaptureSource,
} from './capture.js';
export {
  parseNetshSslCert,
  netshFlag,
  NETSH_FIELDS,
  type NetshBinding,
  type NetshEndpoint,
  type NetshField,
} from './parse/netsh.js';
export { netshAddArgs } from './parse/netsh-args.js';
