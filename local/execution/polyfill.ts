// aws-local-stepfunctions calls Promise.withResolvers (Node 22+) inside every Task. Without it each task
// throws a TypeError that a States.ALL catch would silently turn into a business failure. The library
// only calls it while running, so installing it at load time of this module is early enough.
type WithResolvers = <T>() => {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
};
const promiseWithResolvers = Promise as PromiseConstructor & { withResolvers?: WithResolvers };
if (typeof promiseWithResolvers.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
