# Prompt and defaults for the lecture shells (the home directory is an empty tmpfs, so this lives in /etc).
if [ -n "${BASH_VERSION:-}" ]; then
  PS1='\[\e[1;32m\]\u@${LECTURE_ENV:-sandbox}\[\e[0m\]:\[\e[1;34m\]\w\[\e[0m\]\$ '
  alias ls='ls --color=auto' ll='ls -l --color=auto' grep='grep --color=auto'
  [ -r /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion
fi
export EDITOR=nano
