import { defineConfig } from 'vite';

// The console is plain static files served by the registry at `/`: one HTML page, one script and
// one stylesheet, hashed, with nothing fetched from elsewhere at run time.
export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:5000', '/token': 'http://127.0.0.1:5000' } },
});
