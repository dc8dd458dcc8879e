// `npm run demo`: the offline demo (local/demo/run.ts).
import './demo/run';
