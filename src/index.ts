// The bundle's entry: the runner calls it for the main step and again for the post step (action.yml `post`). Each
// step loads only its own code (src/main.ts or src/post.ts, which @github/local-action also runs on their own).
import { isPostStep } from './state.js';

const step = isPostStep() ? await import('./post.js') : await import('./main.js');
await step.run();
