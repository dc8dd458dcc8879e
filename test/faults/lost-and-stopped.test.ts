import { faultMatrix } from './suite';

// Answers that never come back, endpoints that vanish, Lambda timeouts and stops.
faultMatrix('lost-and-stopped', ['answer lost', 'unreachable', 'Lambda timeout', 'stop']);
