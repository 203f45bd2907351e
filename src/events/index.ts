export {
  EventStream,
  maskedStream,
  silentEvents,
  type FerryEvent,
  type EventType,
  type EventOf,
  type EventInput,
  type Listener,
  type LogLevel,
  type ObjectOutcome,
  type ObjectReason,
  OBJECT_REASONS,
} from './events.ts';
export { terminal, withTerminal, print, printError, type Terminal } from './terminal.ts';
