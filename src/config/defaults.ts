/** Defaults shared by the CLI and the server. */
export const DEFAULT_DATA_DIR = './opentrail-data';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4566;
export const DEFAULT_REGION = 'us-east-1';
/** How often retention pruning runs when a retention period is set. */
export const DEFAULT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;
export const CONTROL_SOCKET = 'control.sock';
export const CREDENTIALS_FILE = 'credentials';
