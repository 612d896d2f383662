// Reads an io log written by iolog.c (and the load client's ACK records), and rebuilds the files
// of the watched directory as a power loss at a given point of the log could leave them.
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';

export const REC = { OPEN: 1, WRITE: 2, SYNC: 3, TRUNCATE: 4, UNLINK: 5, RENAME: 6, ACK: 7 };
const MAGIC = 0x474c4f49;
const HEADER = 32;

// Appends the ACK of `svixId` to the log (one write on an O_APPEND descriptor, as the shim does).
export function appendAck(logFd, svixId) {
  const payload = Buffer.from(svixId, 'utf8');
  const record = Buffer.alloc(HEADER + payload.length);
  record.writeUInt32LE(MAGIC, 0);
  record.writeUInt8(REC.ACK, 4);
  record.writeBigUInt64LE(BigInt(payload.length), 24);
  payload.copy(record, HEADER);
  writeSync(logFd, record);
}

// The records, in order: { type, file, offset, data }; names[file] is the file's name in the directory.
export function readLog(file) {
  const bytes = readFileSync(file);
  const records = [];
  const names = [];
  for (let at = 0; at < bytes.length;) {
    if (bytes.length - at < HEADER || bytes.readUInt32LE(at) !== MAGIC) throw new Error(`io log corrupt at byte ${at}`);
    const type = bytes.readUInt8(at + 4);
    const fileId = bytes.readUInt32LE(at + 8);
    const offset = Number(bytes.readBigUInt64LE(at + 16));
    const length = Number(bytes.readBigUInt64LE(at + 24));
    const data = bytes.subarray(at + HEADER, at + HEADER + length);
    if (type === REC.OPEN) names[fileId] = data.toString('utf8');
    records.push({ type, file: fileId, offset, data });
    at += HEADER + length;
  }
  return { records, names };
}

// A growable byte array: a file's contents.
class FileImage {
  constructor() { this.buffer = Buffer.alloc(0); this.size = 0; }
  write(offset, data) {
    const end = offset + data.length;
    if (end > this.buffer.length) {
      const grown = Buffer.alloc(Math.max(end, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.size);
      this.buffer = grown;
    }
    if (offset > this.size) this.buffer.fill(0, this.size, offset);
    data.copy(this.buffer, offset);
    this.size = Math.max(this.size, end);
  }
  truncate(length) {
    if (length > this.size) this.write(this.size, Buffer.alloc(length - this.size));
    this.size = length;
  }
  bytes() { return this.buffer.subarray(0, this.size); }
}

// The files as a power loss just before record `cut` leaves them:
//   mode 'strict': each file holds exactly what was written to it up to its last completed
//                  fsync/fdatasync before the cut; every later write is lost;
//   mode 'subset': as strict, plus a random subset of the later writes and truncations (each kept
//                  with probability 1/2, in their order): the disk wrote some of its cache.
// Unlink and rename take effect as of the cut (the directory is not modelled: SQLite's WAL mode
// creates its files once and never renames). Returns Map name → Buffer.
export function filesAtCut({ records, names }, cut, mode = 'strict', random = Math.random) {
  const lastSync = new Map();
  for (let idx = 0; idx < cut; idx += 1) {
    if (records[idx].type === REC.SYNC) lastSync.set(records[idx].file, idx);
  }
  const images = new Map();
  const image = (file) => {
    if (!images.has(file)) images.set(file, new FileImage());
    return images.get(file);
  };
  for (let idx = 0; idx < cut; idx += 1) {
    const record = records[idx];
    if (record.type === REC.OPEN) { image(record.file); continue; }
    if (record.type === REC.UNLINK) { images.delete(record.file); continue; }
    if (record.type === REC.RENAME) {
      images.set(record.offset, image(record.file));
      images.delete(record.file);
      continue;
    }
    if (record.type !== REC.WRITE && record.type !== REC.TRUNCATE) continue;
    const durable = idx <= (lastSync.get(record.file) ?? -1);
    if (!durable && (mode === 'strict' || random() < 0.5)) continue;
    if (record.type === REC.WRITE) image(record.file).write(record.offset, record.data);
    else image(record.file).truncate(record.offset);
  }
  return new Map([...images].map(([file, img]) => [names[file], img.bytes()]));
}

// Writes the files into `dir` (a fresh directory). The -shm wal-index is left out: it lives in
// shared memory that a power loss wipes, and SQLite rebuilds it from the WAL.
export function materialise(files, dir) {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) {
    if (name.endsWith('-shm')) continue;
    const fd = openSync(path.join(dir, name), 'w');
    writeSync(fd, bytes);
    closeSync(fd);
  }
}
