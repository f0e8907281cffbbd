/**
 * The suite's schema dialect: zod/mini, with zod's English messages. Every schema is written with it
 * (`import * as z from '../schema'`), because a function's bundle then holds only the validators its route
 * uses: zod's full API costs every cold start tens of milliseconds and megabytes, whichever of it is used.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export * from 'zod/mini';
