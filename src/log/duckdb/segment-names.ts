/** Segment files are `<8-digit number>.records` in `<data-dir>/records`. */
export const SEGMENT_NAME = /^(\d{8})\.records$/;

export function segmentName(n: number): string {
  return `${String(n).padStart(8, '0')}.records`;
}
