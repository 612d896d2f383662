/* An LD_PRELOAD shim that records what a process does to the files of one directory, for the
 * power-loss test (power_loss.test.mjs): every write (write, pwrite, pwrite64, with its offset and
 * bytes), fsync / fdatasync, ftruncate, unlink and rename, in the order the kernel saw them,
 * appended to one log file. The test cuts that log at hundreds of points and rebuilds the files as
 * a power loss at that point could leave them.
 *
 *   IOLOG_DIR=/dir/of/the/database  IOLOG_FILE=/elsewhere/io.log  LD_PRELOAD=libiolog.so  mcp-admin serve …
 *   IOLOG_DROP_SYNC=1  also: fsync/fdatasync of those files do nothing (what synchronous=OFF
 *                      would give): the negative control, whose acknowledged writes must be lost.
 *
 * Record: 32-byte header {u32 magic, u8 type, 3 pad, u32 file, u64 offset, u64 length} and then
 * `length` bytes (the data of a write; the name of an opened file; the svix-id of an ACK, which
 * the test's load client appends to the same O_APPEND log once it has received the 2xx: the
 * kernel orders the two writers' records). Each record is one write(2) on an O_APPEND descriptor.
 * Memory-mapped writes (SQLite's -shm wal-index) are not seen: the test drops that file, as SQLite
 * rebuilds it from the WAL after a crash. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum { REC_OPEN = 1, REC_WRITE = 2, REC_SYNC = 3, REC_TRUNCATE = 4, REC_UNLINK = 5, REC_RENAME = 6, REC_ACK = 7 };
#define IOLOG_MAGIC 0x474c4f49u /* "IOLG" */
#define MAX_FDS 65536
#define MAX_FILES 256

struct record_header {
  uint32_t magic;
  uint8_t type;
  uint8_t pad[3];
  uint32_t file;
  uint64_t offset;
  uint64_t length;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static int drop_sync = 0;
static char watched_dir[4096];
static size_t watched_len = 0;
static int fd_file[MAX_FDS]; /* file id + 1 of a watched descriptor, 0 when not watched */
static char* file_names[MAX_FILES];
static int file_count = 0;

static ssize_t (*real_write)(int, const void*, size_t);
static ssize_t (*real_pwrite)(int, const void*, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void*, size_t, off64_t);
static int (*real_open)(const char*, int, ...);
static int (*real_open64)(const char*, int, ...);
static int (*real_openat)(int, const char*, int, ...);
static int (*real_close)(int);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off64_t);
static int (*real_unlink)(const char*);
static int (*real_rename)(const char*, const char*);

static void resolve(void) {
  real_write = dlsym(RTLD_NEXT, "write");
  real_pwrite = dlsym(RTLD_NEXT, "pwrite");
  real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
  real_open = dlsym(RTLD_NEXT, "open");
  real_open64 = dlsym(RTLD_NEXT, "open64");
  real_openat = dlsym(RTLD_NEXT, "openat");
  real_close = dlsym(RTLD_NEXT, "close");
  real_fsync = dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
  real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
  real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
  real_unlink = dlsym(RTLD_NEXT, "unlink");
  real_rename = dlsym(RTLD_NEXT, "rename");
}

__attribute__((constructor)) static void iolog_init(void) {
  resolve();
  const char* dir = getenv("IOLOG_DIR");
  const char* file = getenv("IOLOG_FILE");
  if (!dir || !file) return;
  snprintf(watched_dir, sizeof watched_dir, "%s/", dir);
  watched_len = strlen(watched_dir);
  drop_sync = getenv("IOLOG_DROP_SYNC") && strcmp(getenv("IOLOG_DROP_SYNC"), "1") == 0;
  log_fd = real_open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    fprintf(stderr, "iolog: cannot open %s: %s\n", file, strerror(errno));
    abort();
  }
}

/* Appends one record; the caller holds the lock. */
static void emit(uint8_t type, int file, uint64_t offset, const void* data, uint64_t length) {
  size_t total = sizeof(struct record_header) + length;
  char* buffer = malloc(total);
  if (!buffer) abort();
  struct record_header header = {IOLOG_MAGIC, type, {0, 0, 0}, (uint32_t)file, offset, length};
  memcpy(buffer, &header, sizeof header);
  if (length) memcpy(buffer + sizeof header, data, length);
  ssize_t written = real_write(log_fd, buffer, total);
  free(buffer);
  if (written != (ssize_t)total) {
    fprintf(stderr, "iolog: short write to the log\n");
    abort();
  }
}

/* The id of a watched path (relative name recorded once), or -1. Caller holds the lock. */
static int file_id(const char* path) {
  if (log_fd < 0 || !path || strncmp(path, watched_dir, watched_len) != 0) return -1;
  const char* name = path + watched_len;
  for (int idx = 0; idx < file_count; ++idx) {
    if (strcmp(file_names[idx], name) == 0) return idx;
  }
  if (file_count == MAX_FILES) abort();
  file_names[file_count] = strdup(name);
  emit(REC_OPEN, file_count, 0, name, strlen(name));
  return file_count++;
}

static int watched(int fd) { return log_fd >= 0 && fd >= 0 && fd < MAX_FDS && fd_file[fd] != 0; }

static int after_open(int fd, const char* path, int flags) {
  if (fd < 0 || log_fd < 0 || fd >= MAX_FDS) return fd;
  pthread_mutex_lock(&lock);
  int id = file_id(path);
  fd_file[fd] = id + 1;
  if (id >= 0 && (flags & O_TRUNC)) emit(REC_TRUNCATE, id, 0, NULL, 0);
  pthread_mutex_unlock(&lock);
  return fd;
}

#define MODE_ARG(flags, mode)                   \
  mode_t mode = 0;                              \
  if ((flags) & (O_CREAT | O_TMPFILE)) {        \
    va_list args;                               \
    va_start(args, flags);                      \
    mode = (mode_t)va_arg(args, int);           \
    va_end(args);                               \
  }

int open(const char* path, int flags, ...) {
  if (!real_open) resolve();
  MODE_ARG(flags, mode);
  return after_open(real_open(path, flags, mode), path, flags);
}

int open64(const char* path, int flags, ...) {
  if (!real_open64) resolve();
  MODE_ARG(flags, mode);
  return after_open(real_open64(path, flags, mode), path, flags);
}

int openat(int dirfd, const char* path, int flags, ...) {
  if (!real_openat) resolve();
  MODE_ARG(flags, mode);
  /* Only absolute paths are matched (SQLite opens its files by the full path it was given). */
  return after_open(real_openat(dirfd, path, flags, mode), path, flags);
}

int close(int fd) {
  if (!real_close) resolve();
  if (fd >= 0 && fd < MAX_FDS) fd_file[fd] = 0;
  return real_close(fd);
}

static ssize_t logged_write(int fd, const void* data, ssize_t written, off_t offset) {
  if (written > 0) emit(REC_WRITE, fd_file[fd] - 1, (uint64_t)offset, data, (uint64_t)written);
  return written;
}

ssize_t write(int fd, const void* data, size_t count) {
  if (!real_write) resolve();
  if (!watched(fd)) return real_write(fd, data, count);
  pthread_mutex_lock(&lock);
  off_t offset = lseek(fd, 0, SEEK_CUR);
  if (fcntl(fd, F_GETFL) & O_APPEND) offset = lseek(fd, 0, SEEK_END);
  ssize_t written = logged_write(fd, data, real_write(fd, data, count), offset);
  pthread_mutex_unlock(&lock);
  return written;
}

ssize_t pwrite(int fd, const void* data, size_t count, off_t offset) {
  if (!real_pwrite) resolve();
  if (!watched(fd)) return real_pwrite(fd, data, count, offset);
  pthread_mutex_lock(&lock);
  ssize_t written = logged_write(fd, data, real_pwrite(fd, data, count, offset), offset);
  pthread_mutex_unlock(&lock);
  return written;
}

ssize_t pwrite64(int fd, const void* data, size_t count, off64_t offset) {
  if (!real_pwrite64) resolve();
  if (!watched(fd)) return real_pwrite64(fd, data, count, offset);
  pthread_mutex_lock(&lock);
  ssize_t written = logged_write(fd, data, real_pwrite64(fd, data, count, offset), offset);
  pthread_mutex_unlock(&lock);
  return written;
}

static int logged_sync(int fd, int (*real)(int)) {
  if (!watched(fd)) return real(fd);
  pthread_mutex_lock(&lock);
  int result = 0;
  if (!drop_sync) {
    result = real(fd);
    if (result == 0) emit(REC_SYNC, fd_file[fd] - 1, 0, NULL, 0);
  }
  pthread_mutex_unlock(&lock);
  return result;
}

int fsync(int fd) {
  if (!real_fsync) resolve();
  return logged_sync(fd, real_fsync);
}

int fdatasync(int fd) {
  if (!real_fdatasync) resolve();
  return logged_sync(fd, real_fdatasync);
}

static int logged_truncate(int fd, off64_t length, int result) {
  if (result == 0) emit(REC_TRUNCATE, fd_file[fd] - 1, (uint64_t)length, NULL, 0);
  return result;
}

int ftruncate(int fd, off_t length) {
  if (!real_ftruncate) resolve();
  if (!watched(fd)) return real_ftruncate(fd, length);
  pthread_mutex_lock(&lock);
  int result = logged_truncate(fd, length, real_ftruncate(fd, length));
  pthread_mutex_unlock(&lock);
  return result;
}

int ftruncate64(int fd, off64_t length) {
  if (!real_ftruncate64) resolve();
  if (!watched(fd)) return real_ftruncate64(fd, length);
  pthread_mutex_lock(&lock);
  int result = logged_truncate(fd, length, real_ftruncate64(fd, length));
  pthread_mutex_unlock(&lock);
  return result;
}

int unlink(const char* path) {
  if (!real_unlink) resolve();
  pthread_mutex_lock(&lock);
  int id = file_id(path);
  int result = real_unlink(path);
  if (result == 0 && id >= 0) emit(REC_UNLINK, id, 0, NULL, 0);
  pthread_mutex_unlock(&lock);
  return result;
}

int rename(const char* from, const char* to) {
  if (!real_rename) resolve();
  pthread_mutex_lock(&lock);
  int from_id = file_id(from);
  int to_id = file_id(to);
  int result = real_rename(from, to);
  if (result == 0 && from_id >= 0 && to_id >= 0) emit(REC_RENAME, from_id, (uint64_t)to_id, NULL, 0);
  pthread_mutex_unlock(&lock);
  return result;
}
