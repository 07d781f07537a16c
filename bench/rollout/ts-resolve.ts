// Lets Node (type stripping) import the repository's TypeScript sources as tsc sees them: a
// relative `./x.js` that does not exist resolves to `./x.ts`. Only for files under this repo.
import { registerHooks } from 'node:module';

const root = new URL('../../', import.meta.url).href;

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      const parent = context.parentURL ?? '';
      if (specifier.startsWith('.') && specifier.endsWith('.js') && parent.startsWith(root)) {
        return next(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
});
