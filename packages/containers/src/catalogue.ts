import type { EnvironmentSpec } from './environment.js';

/**
 * The server's environments. Images are built by `docker/build.sh` (see docker/README.md);
 * `docker/smoke.sh` starts each one with the equivalent `docker run` flags and runs the lecture's
 * commands in it.
 */

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Docker-in-Docker without --privileged (the host lacks CAP_SYS_RESOURCE). Presenter only. */
const lab: EnvironmentSpec = {
  id: 'lab',
  description: "The presenter's Docker lab: root with the docker CLI and a private Docker Engine, no network",
  image: 'lecture/lab',
  user: 'root',
  shell: ['bash', '-l'],
  workdir: '/root/demo',
  lifecycle: 'shared',
  // Execs `dockerd --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false`: the inner
  // default bridge works (plain `docker run IMAGE` succeeds) but routes nowhere.
  command: ['lab-dockerd'],
  limits: { memoryBytes: 4 * GiB, cpus: 1.5, pids: 4096 },
  network: 'none',
  readOnlyRoot: false,
  // Private to this server and removed with the lab: two servers on one engine (a deck and a
  // test run) never share one nested engine's state. Seeding again costs about 2 s.
  scratchVolumes: ['/var/lib/docker'],
  capAdd: ['ALL'],
  capDrop: ['SYS_RESOURCE'],
  securityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
  cgroupnsMode: 'host',
  binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'],
  // Waits (up to 60 s) for the inner engine, then `docker load`s the seed images it lacks
  // (lecture/debian:bookworm from /opt/seed). `lab-reset` returns the lab to this state.
  prepare: [['lab-seed']],
  reset: ['lab-reset'],
};

export const catalogue: readonly EnvironmentSpec[] = [
  {
    id: 'sandbox',
    description: 'A Debian shell as an ordinary user, no network',
    image: 'lecture/sandbox',
    user: 'student',
    shell: ['bash', '-l'],
    workdir: '/home/student',
    lifecycle: 'per-session',
    command: ['sleep', 'infinity'],
    limits: { memoryBytes: 256 * MiB, cpus: 0.5, pids: 128 },
    network: 'none',
    readOnlyRoot: true,
    tmpfs: {
      '/home/student': 'size=64m,uid=1000,gid=1000,mode=0755',
      '/tmp': 'size=64m,mode=1777',
      '/run': 'size=16m,mode=0755',
    },
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
  },
  lab,
  {
    id: 'apptainer',
    description: 'Apptainer/Singularity as an ordinary user, with the prebuilt lolcow.sif, no network',
    image: 'lecture/apptainer',
    user: 'student',
    shell: ['bash', '-l'],
    workdir: '/home/student',
    lifecycle: 'per-session',
    command: ['sleep', 'infinity'],
    limits: { memoryBytes: 2 * GiB, cpus: 1, pids: 512 },
    network: 'none',
    // `apptainer build` unpacks whole root filesystems into $HOME and /tmp: on disk, not in tmpfs.
    readOnlyRoot: false,
    // The student has no capabilities; the bounding set only lets the setuid newuidmap/newgidmap
    // set up `--fakeroot` user namespaces (root's password is locked, `su` fails). No
    // no-new-privileges: it would disable those setuid helpers.
    capDrop: ['ALL'],
    capAdd: ['SETUID', 'SETGID', 'DAC_OVERRIDE', 'SYS_ADMIN'],
    // Unprivileged user namespaces and a fresh /proc inside Apptainer's container.
    securityOpt: ['seccomp=unconfined', 'apparmor=unconfined', 'systempaths=unconfined'],
    // squashfuse mounts images instead of unpacking them: `singularity exec` 0.2 s instead of 2-5 s.
    devices: ['/dev/fuse'],
  },
];
