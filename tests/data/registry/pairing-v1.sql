-- An empty pairing registry as pairkit wrote it before schema version 2
-- (operators, the gate).
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE requests(
  id INTEGER PRIMARY KEY,
  serial TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  certificate TEXT NOT NULL,
  server_fingerprint TEXT NOT NULL,
  nonce TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','paired','rejected','expired','unpaired')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  decided_at INTEGER,
  decided_by TEXT,
  failed_attempts INTEGER NOT NULL DEFAULT 0);
CREATE INDEX requests_by_serial ON requests(serial, state);
CREATE INDEX requests_pending ON requests(state, expires_at);
CREATE TABLE terminals(
  serial TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  request_id INTEGER,
  paired_at INTEGER NOT NULL,
  paired_by TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE audit(
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  serial TEXT NOT NULL,
  action TEXT NOT NULL,
  old_state TEXT,
  new_state TEXT,
  old_fingerprint TEXT,
  new_fingerprint TEXT,
  detail TEXT);
CREATE INDEX audit_by_serial ON audit(serial);
PRAGMA user_version = 1;
