export * from './recurrent';
export * from './layers';
export * from './encoder';
export { KERNEL_BUILDS, KERNEL_WASM_PATH, type KernelBuild, type KernelExports, KernelHeap, type KernelMemory, kernelBuild, kernelHeap, NATIVE_KERNEL_PATH, nativeAddon, RELAXED_KERNEL_WASM_PATH } from './heap';
export { helperLiveBytes, kernelThreads, setKernelThreads, stopKernelThreads } from './parallel';
