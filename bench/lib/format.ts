export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

export const sec = (ms: number): string => (ms / 1000).toFixed(2);
export const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
export const kbToMb = (kb: number): number => Math.round(kb / 1024);
export const round1 = (n: number): number => Math.round(n * 10) / 10;
export const round3 = (n: number): number => Math.round(n * 1000) / 1000;
