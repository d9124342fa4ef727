# Prompt and defaults for the lecture shells (the home directory is an empty tmpfs, so this lives in /etc).
if [ -n "${BASH_VERSION:-}" ]; then
  PS1='\[\e[1;32m\]\u@${LECTURE_ENV:-apptainer}\[\e[0m\]:\[\e[1;34m\]\w\[\e[0m\]\$ '
  alias ls='ls --color=auto' ll='ls -l --color=auto' grep='grep --color=auto'
  [ -r /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion
fi
export EDITOR=nano
# Apptainer mounts SIF images with squashfuse when /dev/fuse is usable. Docker does not hand
# /dev/fuse to containers by default (the device cgroup refuses it, even if bind-mounted); then
# run images by unpacking them to a temporary sandbox (about 1 s for lolcow.sif).
if ! { exec 9<>/dev/fuse; } 2>/dev/null; then export APPTAINER_UNSQUASH=1; else exec 9>&-; fi
