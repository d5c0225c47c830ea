// LD_PRELOAD shim for the hermetic-inputs check (tests/hermetic/check_open_files.py): every path
// under /usr/share or /usr/lib that a process opens (open, openat, fopen, opendir and their 64-bit
// twins) is appended to the file named by TRAWL_OPEN_LOG as "PID<TAB>PROGRAM<TAB>PATH". The path
// is made absolute (relative to the working directory or the openat directory) but symbolic
// links are not followed: what the test named is what counts.
//
// Why a shim and not strace: the suite has tests that run strace themselves (a process has one
// tracer), and a preloaded library follows every child the tests start (python3, qpdf, the CLI)
// at no measurable cost. Opens made inside libc without its public entry points (the dynamic
// loader reading libraries, NSS) are not seen; those are libraries, which the check allows anyway.
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace {

int watched(const char* path) {
  return strncmp(path, "/usr/share/", 11) == 0 || strncmp(path, "/usr/lib/", 9) == 0 || strcmp(path, "/usr/share") == 0 ||
         strcmp(path, "/usr/lib") == 0;
}

// Writes one line with a single write(2) on an O_APPEND descriptor, so that the lines of
// processes running side by side do not interleave.
void record(int dirfd, const char* path) {
  if (!path) return;
  const int saved = errno;
  const char* log = getenv("TRAWL_OPEN_LOG");
  if (!log || !*log) return;
  char full[PATH_MAX * 2];
  if (path[0] == '/') {
    snprintf(full, sizeof full, "%s", path);
  } else {
    char base[PATH_MAX];
    ssize_t n = -1;
    if (dirfd == AT_FDCWD) {
      if (getcwd(base, sizeof base)) n = (ssize_t)strlen(base);
    } else {
      char link[64];
      snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
      n = readlink(link, base, sizeof base - 1);
    }
    if (n < 0) {
      errno = saved;
      return;
    }
    base[n] = '\0';
    snprintf(full, sizeof full, "%s/%s", base, path);
  }
  if (!watched(full)) {
    errno = saved;
    return;
  }
  char program[256] = "?";
  const ssize_t p = readlink("/proc/self/exe", program, sizeof program - 1);
  if (p > 0) program[p] = '\0';
  char line[PATH_MAX * 2 + 400];
  const int len = snprintf(line, sizeof line, "%d\t%s\t%s\n", (int)getpid(), program, full);
  // The raw syscall entry points below are resolved with RTLD_NEXT, so this open is not logged.
  static int (*real_open)(const char*, int, ...);
  if (!real_open) real_open = (int (*)(const char*, int, ...))dlsym(RTLD_NEXT, "open");
  const int fd = real_open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    if (len > 0) {
      ssize_t ignored = write(fd, line, (size_t)(len < (int)sizeof line ? len : (int)sizeof line - 1));
      (void)ignored;
    }
    close(fd);
  }
  errno = saved;
}

#define REAL(name) static const auto real_##name = reinterpret_cast<decltype(&::name)>(dlsym(RTLD_NEXT, #name))

mode_t mode_of(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

}  // namespace

// The interposed entry points: same names and signatures as libc's, C linkage.
extern "C" {

int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_of(flags, ap);
  va_end(ap);
  REAL(open);
  record(AT_FDCWD, path);
  return real_open(path, flags, mode);
}

int open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_of(flags, ap);
  va_end(ap);
  REAL(open64);
  record(AT_FDCWD, path);
  return real_open64(path, flags, mode);
}

int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_of(flags, ap);
  va_end(ap);
  REAL(openat);
  record(dirfd, path);
  return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_of(flags, ap);
  va_end(ap);
  REAL(openat64);
  record(dirfd, path);
  return real_openat64(dirfd, path, flags, mode);
}

FILE* fopen(const char* path, const char* how) {
  REAL(fopen);
  record(AT_FDCWD, path);
  return real_fopen(path, how);
}

FILE* fopen64(const char* path, const char* how) {
  REAL(fopen64);
  record(AT_FDCWD, path);
  return real_fopen64(path, how);
}

DIR* opendir(const char* path) {
  REAL(opendir);
  record(AT_FDCWD, path);
  return real_opendir(path);
}

}  // extern "C"
