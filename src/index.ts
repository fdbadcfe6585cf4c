// The bundle's entry: the runner calls it for the main step and again for the post step (action.yml `post`).
import { main } from './main.js';
import { post } from './post.js';
import { isPostStep } from './state.js';

await (isPostStep() ? post() : main());
