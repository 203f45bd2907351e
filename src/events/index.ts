export {
  EventStream,
  maskedStream,
  silentEvents,
  type FerryEvent,
  type EventType,
  type EventOf,
  type EventInput,
  type Listener,
  type ObjectOutcome,
  type ObjectReason,
  OBJECT_REASONS,
} from './events.ts';
