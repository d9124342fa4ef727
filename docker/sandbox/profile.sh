# Prompt and defaults for the lecture shells (the home directory is an empty tmpfs, so this lives in /etc).
if [ -n "${BASH_VERSION:-}" ]; then
  PS1='\[\e[1;32m\]\u@${LECTURE_ENV:-sandbox}\[\e[0m\]:\[\e[1;34m\]\w\[\e[0m\]\$ '
  alias ls='ls --color=auto' ll='ls -l --color=auto' grep='grep --color=auto'
  # bash-completion loads at the first Tab, not at every start: sourcing it took a login shell
  # 80 ms more under gVisor (its file reads go through gVisor's kernel), in every sandbox a room
  # opens. The first Tab loads it, then the command's own completion (bash-completion's loader,
  # which returns 124: bash then completes again with it).
  if [ -r /usr/share/bash-completion/bash_completion ] && [ -z "${BASH_COMPLETION_VERSINFO:-}" ]; then
    _lecture_load_completion() {
      complete -r -D
      unset -f _lecture_load_completion
      . /usr/share/bash-completion/bash_completion
      _completion_loader "$@"
    }
    complete -D -F _lecture_load_completion
  fi
fi
export EDITOR=nano
