export { EventStream, maskedStream, silentEvents, type FerryEvent, type EventType, type EventOf, type EventInput, type Listener } from './events.ts';
