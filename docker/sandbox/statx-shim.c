/*
 * gVisor 20221219 (Debian 12's runsc) answers statx() with EINVAL when it is given
 * AT_NO_AUTOMOUNT, which coreutils 9 passes: `ls -l` and `stat` fail with "Invalid argument"
 * in a sandbox under gVisor. The flag only matters where a path could trigger an automount,
 * and a sandbox has none, so this preload (see /etc/ld.so.preload) drops it. Newer gVisor
 * releases accept the flag; under runc the shim changes nothing.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>

int statx(int dirfd, const char *restrict path, int flags, unsigned int mask, struct statx *restrict buf) {
  static int (*real)(int, const char *restrict, int, unsigned int, struct statx *restrict);
  if (!real) real = (int (*)(int, const char *restrict, int, unsigned int, struct statx *restrict))dlsym(RTLD_NEXT, "statx");
  return real(dirfd, path, flags & ~AT_NO_AUTOMOUNT, mask, buf);
}
