export * from './recurrent';
export * from './layers';
export { type KernelExports, KERNEL_WASM_PATH, KernelHeap, kernelHeap } from './wasm';
