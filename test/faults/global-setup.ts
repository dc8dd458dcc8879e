import { clearShards } from './table';

export default function globalSetup(): void {
  clearShards();
}
