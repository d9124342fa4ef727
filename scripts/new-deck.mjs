#!/usr/bin/env node
// `npm run new -- my-lecture` (or `-- path/to/my-lecture`): a new deck folder to start from: a
// title slide, a slide with a live terminal and its steps, a "try it" slide with a sandbox for
// each student, a poll, and one environment image built from a small Dockerfile.
// Then: `npm run dev -- slides/my-lecture` (docs/authoring.md).
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { root } from './deck.mjs';

const [name] = process.argv.slice(2).filter((a) => !a.startsWith('-'));
if (!name) {
  console.error('usage: npm run new -- my-lecture     (writes slides/my-lecture/)');
  process.exit(2);
}
const dir = name.includes('/') ? resolve(process.env.INIT_CWD ?? process.cwd(), name) : join(root, 'slides', name);
const id = basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-');
if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) {
  console.error(`"${basename(dir)}" cannot name a deck: use letters, digits and dashes (my-lecture).`);
  process.exit(2);
}
if (existsSync(dir)) {
  console.error(`${dir} exists already: pick another name, or edit that deck.`);
  process.exit(1);
}
const title = basename(dir).replace(/[-_]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

const files = {
  'slides.md': `---
title: ${JSON.stringify(title)}
subtitle: A live lecture
author: Your name
---

<!-- slide id="title" class="title" -->
# ${title}

A live lecture: every terminal is a real shell in a real container

Note:
Speaker notes go after a line "Note:". Press S for the speaker view.

---

<!-- slide id="first-demo" section="Live demo" -->
## A live terminal

\`\`\`terminal
pane: shell
env: shell
title: Shell
\`\`\`

\`\`\`console
$ whoami
$ cat /etc/os-release | head -2
$ hello
\`\`\`

+ Click a command to type it into the terminal (presenter)
+ Or click the terminal and type: Ctrl+] gives the keyboard back to the slides

Note:
The environment "shell" is declared in environments.yaml; its image is built from
images/shell/Dockerfile by npm start / npm run dev.

---

<!-- slide id="try-it" section="Try it" try="sandbox" -->
## Try it yourself

\`\`\`terminal
pane: try
env: sandbox
title: Sandbox
\`\`\`

\`\`\`console
$ ls -la ~
$ echo "hello from my own sandbox" > ~/note.txt && cat ~/note.txt
\`\`\`

Students on the audience URL get **My own sandbox** on this slide: their own container.

---

<!-- slide id="quiz" section="Try it" -->
## Quiz

\`\`\`poll
id: first-poll
question: Did the demo work for you?
- Yes
- Not yet
\`\`\`
`,
  'environments.yaml': `# The environments this deck's terminals open (env: <id>). Schema: docs/authoring.md.

# The lecturer's shell: an ordinary user, no network, a container of its own per session.
shell:
  description: The lecturer's shell
  build: images/shell
  image: lecture/${id}:latest
  access: presenter
  user: student
  workdir: /home/student
  limits: { memory: 256MiB, cpus: 0.5, pids: 128 }

# Each student's sandbox on "try it" slides: read-only, no network, no capabilities.
sandbox:
  description: A student's own shell
  build: images/shell
  image: lecture/${id}:latest
  access: audience
  user: student
  workdir: /home/student
  limits: { memory: 128MiB, cpus: 0.25, pids: 64 }
  read_only: true
  tmpfs:
    /home/student: size=16m,uid=1000,gid=1000,mode=0755
    /tmp: size=16m,mode=1777
`,
  'images/shell/Dockerfile': `# The image of this deck's environments, built by npm start / npm run dev (cached: it is
# rebuilt only when a file in this folder changes). lecture/sandbox is the lecture's Debian
# shell for an ordinary user (student); install more with apt-get as in docker/sandbox/Dockerfile.
FROM lecture/sandbox:latest
USER root
COPY hello /usr/local/bin/hello
RUN chmod 0755 /usr/local/bin/hello
USER student
WORKDIR /home/student
`,
  'images/shell/hello': `#!/bin/sh
echo "Hello from $(hostname), a container of its own."
`,
};
for (const [file, content] of Object.entries(files)) {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), content);
}
chmodSync(join(dir, 'images/shell/hello'), 0o755);
const shown = relative(process.env.INIT_CWD ?? process.cwd(), dir) || dir;
console.log(`Wrote ${shown}/: slides.md, environments.yaml, images/shell/.

  npm run dev -- ${shown}        present it; every save updates the open page
  npm run record -- ${shown}     record its demos (for replays and the PDF)
  npm run export:pdf -- ${shown} the PDF

The guide: docs/authoring.md`);
