export * from './recurrent';
export * from './layers';
export { type KernelExports, KERNEL_WASM_PATH, KernelHeap, kernelBuild, kernelHeap, RELAXED_KERNEL_WASM_PATH } from './wasm';
export { helperLiveBytes, kernelThreads, setKernelThreads, stopKernelThreads } from './parallel';
