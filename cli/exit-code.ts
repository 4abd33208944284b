/** Exit codes: 0 done, 1 failed, 2 the usage, input or configuration was wrong (nothing was done). */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;
