import { faultMatrix } from './suite';

// Errors the AWS APIs answer: throttling, server errors, refusals.
faultMatrix('aws-errors', ['throttling', '5xx', 'access denied']);
