import { loadAlarmRelayConfig } from '../core/config.js';
import { makeHandler } from './make-handler.js';
import { alarmRelayDeps } from './production-deps.js';

// Everything below runs once per container (cold start): a bad variable fails the init with its name.
const config = loadAlarmRelayConfig(process.env);

/** The alarm relay Lambda: every alarm's alarm and OK action, publishing to the operator topic. */
export const handler = makeHandler(alarmRelayDeps(config));
