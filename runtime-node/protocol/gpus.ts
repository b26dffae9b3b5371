/** GPU types a Chainlet may ask for (`compute.gpu`); the Kubernetes emitter maps them to node selectors. */
export const GPU_TYPES = ["T4", "L4", "A10G", "A100", "H100", "H200", "B200", "L40S"] as const;

/** One of `GPU_TYPES`. */
export type GpuType = (typeof GPU_TYPES)[number];
