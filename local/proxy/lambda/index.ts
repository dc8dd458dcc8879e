export { lambdaCall } from './calls';
export { type EmulatedFunction, EmulatedFunctions, invokeEmulated } from './emulated';
export {
  type AliasWrite,
  LambdaHonesty,
  type LambdaHonestyOptions,
  type VersionBehaviour,
  type VersionStatus,
} from './service';
