#!/usr/bin/env bash
# Smoke test of the lecture's environments: starts each one with the `docker run` flags that
# slides/containers-demo/environments.yaml describes, runs the lecture's key commands in it
# non-interactively (and, where the slides type into a terminal, through a pseudo-terminal),
# and prints PASS/FAIL per check. Exit status: number of failures (0 = all passed).
#   docker/smoke.sh [sandbox] [lab] [apptainer]      (default: all; build first with docker/build.sh)
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PASS=0 FAIL=0 FAILED=()
T0=$SECONDS
ms() { date +%s%N | cut -c1-13; }
pass() { PASS=$((PASS + 1)); printf '  PASS  %s\n' "$1"; }
fail() { FAIL=$((FAIL + 1)); FAILED+=("$1"); printf '  FAIL  %s\n' "$1"; [[ -n ${2:-} ]] && printf '%s\n' "$2" | tail -8 | sed 's/^/        | /'; }
# check NAME REGEX CMD...: passes when CMD exits 0 and its output matches REGEX ('' = any)
check() { local name=$1 re=$2 out rc; shift 2; out=$("$@" 2>&1); rc=$?
  if [[ $rc == 0 ]] && { [[ -z $re ]] || grep -Eq -- "$re" <<<"$out"; }; then pass "$name"; else fail "$name (rc=$rc)" "$out"; fi; }
# refuse NAME REGEX CMD...: passes when CMD fails and its output matches REGEX
refuse() { local name=$1 re=$2 out rc; shift 2; out=$("$@" 2>&1); rc=$?
  if [[ $rc != 0 ]] && { [[ -z $re ]] || grep -Eq -- "$re" <<<"$out"; }; then pass "$name"; else fail "$name (rc=$rc)" "$out"; fi; }
figure() { printf '  TIME  %s\n' "$*"; }

# pty NAME CMD... <<script : drives CMD in a pseudo-terminal like node-pty does. Script lines:
#   send TEXT  (\r, \x10 ... escapes allowed)    expect REGEX (10 s; expectN waits N s)    sleep S
pty() { local name=$1; shift; local out
  if out=$(python3 -c '
import os, pty, re, select, sys, time, codecs
steps = [l.rstrip("\n").split(" ", 1) for l in sys.stdin if l.strip()]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
buf = ""
def read_until(rx, timeout):
    global buf
    end = time.time() + timeout
    while time.time() < end:
        m = re.search(rx, buf)
        if m: buf = buf[m.end():]; return True
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try: buf += os.read(fd, 65536).decode("utf-8", "replace")
            except OSError: break
    return bool(re.search(rx, buf))
for op, arg in steps:
    if op == "send": os.write(fd, codecs.decode(arg, "unicode_escape").encode())
    elif op.startswith("expect"):
        t = int(op[6:] or 10)
        if not read_until(arg, t):
            print("timeout waiting for %r; got: %r" % (arg, buf[-600:])); sys.exit(1)
    elif op == "sleep": time.sleep(float(arg))
print("ok"); os.kill(pid, 9)
' "$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi; }

ENVS=("$@"); [[ ${#ENVS[@]} -gt 0 ]] || ENVS=(sandbox lab apptainer)
docker info >/dev/null 2>&1 || { echo "smoke.sh: no Docker Engine reachable" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
smoke_sandbox() {
  echo "== sandbox (lecture/sandbox, per-session, as in slides/containers-demo/environments.yaml)"
  local c=smoke-sandbox; docker rm -f $c >/dev/null 2>&1
  local t=$(ms)
  check "start like the catalogue (read-only, no caps, no network, 256 MiB, 0.5 CPU, 128 pids)" '' \
    docker run -d --name $c --network none --read-only \
      --tmpfs /home/student:size=64m,uid=1000,gid=1000,mode=0755 --tmpfs /tmp:size=64m,mode=1777 \
      --tmpfs /run:size=16m,mode=0755 --cap-drop ALL --security-opt no-new-privileges \
      --memory 256m --memory-swap 256m --cpus 0.5 --pids-limit 128 -w /home/student \
      lecture/sandbox sleep infinity
  local sh=(docker exec -u student -w /home/student $c bash -l -c)
  check "shell ready" 'ready' "${sh[@]}" 'echo ready'; figure "sandbox start to shell: $(( $(ms) - t )) ms"
  check "whoami is student, pwd is /home/student" 'student /home/student' "${sh[@]}" 'echo $(whoami) $(pwd)'
  check "touch /tmp/hello; ls -l /tmp" 'hello' "${sh[@]}" 'touch /tmp/hello && ls -l /tmp'
  check "home is writable and owned by student" 'student' "${sh[@]}" 'touch ~/notes && stat -c %U ~/notes'
  refuse "root filesystem is read-only" 'Read-only file system' "${sh[@]}" 'touch /etc/x'
  check "no network (only lo)" '^lo$' "${sh[@]}" 'ls /sys/class/net'
  check "no capabilities" 'CapEff:.0000000000000000' "${sh[@]}" 'grep CapEff /proc/self/status'
  check "tools present (less nano vi file tree git ps)" '' "${sh[@]}" 'command -v less nano vi file tree git ps'
  pty "interactive login shell shows the prompt student@sandbox" docker exec -it -u student -w /home/student $c bash -l <<'EOF'
expect student@sandbox.*\$
send echo $((6*7))\r
expect 42
send exit\r
EOF
  # Fork bomb: the pids limit stops it; the host stays responsive; the container can be removed.
  "${sh[@]}" 'timeout -s KILL 15 bash -c ":(){ :|:& };:"' >/dev/null 2>&1 &
  local bomb=$!; sleep 5
  local pids; pids=$(docker stats --no-stream --format '{{.PIDs}}' $c 2>/dev/null)
  if [[ ${pids:-0} -le 128 ]]; then pass "fork bomb held at the pids limit ($pids/128)"; else fail "fork bomb pids $pids"; fi
  t=$(ms); check "host responsive during the bomb (docker ps, ls)" '' timeout 5 bash -c 'docker ps >/dev/null && ls / >/dev/null'
  figure "docker ps during the fork bomb: $(( $(ms) - t )) ms"
  t=$(ms); check "bombed container removed (docker rm -f)" '' timeout 30 docker rm -f $c
  figure "removal of the bombed sandbox: $(( $(ms) - t )) ms"
  wait $bomb 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
smoke_lab() {
  echo "== lab (lecture/lab, shared, Docker-in-Docker, as in slides/containers-demo/environments.yaml)"
  local c=smoke-lab v=smoke-lab-docker; docker rm -f $c >/dev/null 2>&1; docker volume rm $v >/dev/null 2>&1
  local t=$(ms)
  check "start like the catalogue (dind options, network none)" '' \
    docker run -d --name $c --network none --cap-add ALL --cap-drop SYS_RESOURCE \
      --security-opt seccomp=unconfined --security-opt apparmor=unconfined --cgroupns host \
      -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v $v:/var/lib/docker \
      --memory 4g --memory-swap 4g --cpus 1.5 --pids-limit 4096 -w /root/demo lecture/lab lab-dockerd
  check "prepare: lab-seed waits for the inner engine and loads the seed" 'Loaded image: lecture/debian:bookworm' docker exec $c lab-seed
  figure "lab ready (container start + inner dockerd + seed load, empty volume): $(( $(ms) - t )) ms"
  check "prepare again is idempotent" 'present' docker exec $c lab-seed
  local sh=(docker exec -w /root/demo $c bash -l -c)
  check "docker version; docker images lists the seed" 'lecture/debian +bookworm' "${sh[@]}" 'docker version >/dev/null && docker images'
  check "management: create, ls -a, rm, tag, image rm" 'Untagged: scratch-image' "${sh[@]}" \
    'docker container create --name scratch lecture/debian:bookworm true && docker container ls -a | grep -q scratch && docker container rm scratch && docker tag lecture/debian:bookworm scratch-image && docker images | grep -q scratch-image && docker image rm scratch-image'
  check "plain docker run (default bridge, no --network none) gets eth0" 'eth0' "${sh[@]}" \
    'docker run --rm lecture/debian:bookworm cat /proc/net/dev'
  pty "docker run -i -t IMAGE /bin/bash; head -n 1 /etc/os-release; exit" docker exec -it -w /root/demo $c bash -l <<'EOF'
expect root@lab.*#
send docker run -i -t lecture/debian:bookworm /bin/bash\r
expect root@[0-9a-f]{12}:/#
send head -n 1 /etc/os-release\r
expect Debian GNU/Linux 12
send exit\r
expect root@lab.*#
send docker container ls -a\r
expect Exited \(0\)
EOF
  # The outer `docker exec` must not catch Ctrl-P Ctrl-Q itself (its default detach keys): the
  # server has to pass other --detach-keys (here ctrl-]) for the inner docker client to see them.
  pty "tutorial: --rm --name, Ctrl-P Ctrl-Q, docker ps, docker container attach, exit" docker exec -it --detach-keys=ctrl-] -w /root/demo $c bash -l <<'EOF'
expect root@lab.*#
send docker run --rm -i -t --name tutorial lecture/debian:bookworm /bin/bash\r
expect root@[0-9a-f]{12}:/#
send \x10\x11
expect root@lab.*#
send docker ps\r
expect tutorial
send docker container attach tutorial\r
sleep 0.5
send \r
expect root@[0-9a-f]{12}:/#
send exit\r
expect root@lab.*#
send docker ps -a --filter name=tutorial --format X{{.Names}}X | wc -l\r
expect \r0\r\n
EOF
  check "files: a new container does not see the first one's file" 'No such file' "${sh[@]}" \
    'docker run -i lecture/debian:bookworm touch asdf; docker run -i lecture/debian:bookworm ls asdf; true'
  check "detached: run -d -i -t --name test --mount type=bind,source=\$(pwd),target=/mnt/share" 'dockerfile-example' "${sh[@]}" \
    'docker image inspect --format "{{.Config.Cmd}}" lecture/debian:bookworm | grep -q /bin/bash && docker run -d -i -t --name test --mount type=bind,source="$(pwd)",target=/mnt/share lecture/debian:bookworm >/dev/null && docker ps | grep -q test && docker exec test ls /mnt/share'
  t=$(ms)
  check "exec, stop, commit, run -ti --entrypoint=sh sees was-here, rm" 'was-here' "${sh[@]}" \
    'docker exec test touch /root/was-here && docker stop test >/dev/null && docker commit test demo/test_image >/dev/null && docker run -i --entrypoint=sh demo/test_image -c "ls /root" && docker rm test >/dev/null'
  figure "stop + commit + run: $(( $(ms) - t )) ms (docker stop waits 10 s: bash as PID 1 ignores SIGTERM)"
  t=$(ms)
  check "cd dockerfile-example; docker build --tag testimage . (offline)" 'Successfully tagged testimage' "${sh[@]}" \
    'cd dockerfile-example && docker build --tag testimage .'
  figure "docker build of dockerfile-example in the lab: $(( $(ms) - t )) ms"
  check "docker images; docker image history testimage" 'echo.*hello' "${sh[@]}" 'docker images | grep -q testimage && docker image history --no-trunc testimage'
  check "docker run testimage prints hello" '^hello' "${sh[@]}" 'docker run testimage'
  check "neofetch works in testimage" 'Debian' "${sh[@]}" 'docker run --rm testimage neofetch --stdout'
  check "run -d -i -t --name testimage testimage exits; docker logs shows hello" 'hello' "${sh[@]}" \
    'docker run -d -i -t --name testimage testimage >/dev/null; sleep 1; docker ps -a | grep testimage | grep -q Exited && docker logs testimage && docker rm testimage >/dev/null'
  check "run -d -i -t --name testimage testimage /bin/bash stays up" 'Up' "${sh[@]}" \
    'docker run -d -i -t --name testimage testimage /bin/bash >/dev/null && docker ps --filter name=testimage'
  check "run --rm -v \$(pwd):/app -w /app testimage ls" 'testfile' "${sh[@]}" \
    'cd dockerfile-example && docker run --rm -i -v $(pwd):/app -w /app testimage ls'
  check "docker cp both ways" 'copied-back' "${sh[@]}" \
    'cd dockerfile-example && touch file-to-copy && docker cp file-to-copy testimage:/app && docker exec testimage ls /app | grep -q file-to-copy && docker cp testimage:/app/testfile copied-back && ls'
  check "docker rm -f; docker system prune" 'Total reclaimed space' "${sh[@]}" 'docker rm -f testimage >/dev/null && docker system prune -f'
  check "volume demo: -v \$(pwd):/home/shared -w /home/shared, result.txt appears" 'result.txt' "${sh[@]}" \
    'docker run --rm -i -v $(pwd):/home/shared -w /home/shared lecture/debian:bookworm touch result.txt && ls'
  t=$(ms)
  check "lab-reset: only the seed left, /root/demo restored" '^1 1 0 0$' "${sh[@]}" \
    'lab-reset >/dev/null; echo $(docker images -q | wc -l) $(docker images -q lecture/debian:bookworm | wc -l) $(docker ps -aq | wc -l) $(ls /root/demo | grep -c result)'
  figure "lab-reset: $(( $(ms) - t )) ms"
  t=$(ms); docker restart -t 5 $c >/dev/null
  check "after a restart (same volume) lab-seed finds the seed" 'present' docker exec $c lab-seed
  figure "lab ready after a restart (seed already loaded): $(( $(ms) - t )) ms"
  docker rm -f $c >/dev/null; docker volume rm $v >/dev/null
}

# ---------------------------------------------------------------------------------------------
smoke_apptainer() {
  echo "== apptainer (lecture/apptainer, per-session, as in slides/containers-demo/environments.yaml)"
  local c=smoke-apptainer; docker rm -f $c >/dev/null 2>&1
  check "start like the catalogue (no network, caps for --fakeroot only)" '' \
    docker run -d --name $c --network none --cap-drop ALL --cap-add SETUID --cap-add SETGID \
      --cap-add DAC_OVERRIDE --cap-add SYS_ADMIN --security-opt seccomp=unconfined \
      --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
      --memory 2g --memory-swap 2g --cpus 1 --pids-limit 512 -w /home/student lecture/apptainer sleep infinity
  local sh=(docker exec -u student -w /home/student $c bash -l -c) S=/opt/lecture/lolcow.sif
  check "ls -lh /opt/lecture" 'lolcow.sif' "${sh[@]}" 'ls -lh /opt/lecture'
  local t=$(ms)
  check "singularity exec lolcow.sif cowsay moo" '< moo >' "${sh[@]}" "singularity exec $S cowsay moo"
  figure "singularity exec (unpacks the SIF, no /dev/fuse): $(( $(ms) - t )) ms"
  check "singularity run lolcow.sif (fortune | cowsay | lolcat)" '\(oo\)' "${sh[@]}" "singularity run $S"
  check "whoami inside is student" '^student$' "${sh[@]}" "singularity exec $S whoami"
  check "singularity shell: whoami, write refused" 'student.*Read-only file system' "${sh[@]}" \
    "printf 'whoami\ntouch /usr/bin/x\ntrue\n' | singularity shell $S 2>&1 | tr '\\n' ' '"
  pty "singularity shell in a terminal: prompt, touch /usr/bin/x refused, su - fails" docker exec -it -u student -w /home/student $c bash -l <<EOF
expect student@apptainer
send singularity shell $S\r
expect30 Apptainer>
send touch /usr/bin/x\r
expect Read-only file system
send su -\r
expect Password:
send \r
expect Authentication failure
send exit\r
expect student@apptainer
EOF
  refuse "no sudo" 'not found' "${sh[@]}" "singularity exec $S sudo true"
  check "home and cwd are mounted" '^/home/student made-on-the-host$' "${sh[@]}" \
    "touch made-on-the-host && echo \$(singularity exec $S pwd 2>/dev/null) \$(singularity exec $S ls ~ 2>/dev/null | grep made) && singularity exec $S df -h >/dev/null"
  check "the image is executable (./lolcow.sif)" '\(oo\)' "${sh[@]}" "$S"
  t=$(ms)
  check "singularity pull --force lolcow_docker.sif docker-archive:/opt/lecture/lolcow.tar" 'lolcow_docker.sif' "${sh[@]}" \
    'singularity pull --force lolcow_docker.sif docker-archive:/opt/lecture/lolcow.tar && ls -lh'
  figure "singularity pull from docker-archive: $(( $(ms) - t )) ms"
  # The slide's pull again (a rehearsal, then the lecture): no question, no failure, no warnings
  # (the base images carry no device nodes), and one image in the home, not a copy of it.
  check "a second pull --force: no warnings, one .sif in the home" '^1$' "${sh[@]}" \
    'out=$(singularity pull --force lolcow_docker.sif docker-archive:/opt/lecture/lolcow.tar </dev/null 2>&1) || exit 1; ! grep -Ei "warn" <<<"$out" || exit 1; ls *.sif | wc -l'
  "${sh[@]}" "cat > small.def <<'EOF'
Bootstrap: localimage
From: /opt/lecture/lolcow.sif
%post
echo \"built by \$(whoami) on \$(date)\" > /etc/built-info
%runscript
/usr/games/cowsay < /etc/built-info
EOF"
  t=$(ms)
  check "apptainer build --force --fakeroot small.sif small.def (the slide's recipe)" 'Build complete' "${sh[@]}" 'apptainer build --force --fakeroot small.sif small.def'
  figure "live apptainer build --fakeroot small.sif: $(( $(ms) - t )) ms"
  check "the build again (--force): no question, no failure" 'Build complete' "${sh[@]}" 'apptainer build --force --fakeroot small.sif small.def </dev/null'
  check "singularity run small.sif; ./small.sif" 'built by root' "${sh[@]}" 'singularity run small.sif && ./small.sif'
  if [[ ${SMOKE_FULL_RECIPE:-1} == 1 ]]; then
    t=$(ms)
    check "offline singularity-example.def builds (--fakeroot, packages from /opt/lecture/debs)" 'Build complete' "${sh[@]}" \
      'apptainer build --fakeroot lolcow-built.sif singularity-example.def'
    figure "apptainer build --fakeroot of singularity-example.def: $(( $(ms) - t )) ms"
    check "the built image runs fortune | cowsay | lolcat" '\(oo\)' "${sh[@]}" 'singularity run lolcow-built.sif'
  fi
  docker rm -f $c >/dev/null
}

for e in "${ENVS[@]}"; do "smoke_$e"; done
echo "== $PASS passed, $FAIL failed ($((SECONDS - T0)) s)"
for f in "${FAILED[@]}"; do echo "   failed: $f"; done
exit $FAIL
